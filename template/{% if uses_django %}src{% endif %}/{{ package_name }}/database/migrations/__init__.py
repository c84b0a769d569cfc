"""Django migrations of the service's app, applied by `migrate` and written by `makemigrations`."""
