"""Settings, logging, the application factory and the command line."""
