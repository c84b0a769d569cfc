{{/*
Names, labels and derived values shared by the templates.
*/}}

{{/* Every object is named after the chart, which carries the service's name. */}}
{{- define "app.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The image tag: image.tag, else the chart's appVersion. */}}
{{- define "app.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{/* A digest, when given, pins the image; the tag stays for people to read. */}}
{{- define "app.image" -}}
{{- $reference := printf "%s:%s" .Values.image.repository (include "app.imageTag" .) -}}
{{- if .Values.image.digest -}}
{{- $reference = printf "%s@%s" $reference .Values.image.digest -}}
{{- end -}}
{{- $reference -}}
{{- end -}}

{{/* Labels that select this release's pods: immutable in a Deployment, so never change them. */}}
{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "app.labels" -}}
{{ include "app.selectorLabels" . }}
{{ include "app.commonLabels" . }}
{{- end -}}

{{/* What every object carries besides the labels that select its pods. */}}
{{- define "app.commonLabels" -}}
app.kubernetes.io/part-of: {{ include "app.name" . }}
app.kubernetes.io/version: {{ regexReplaceAll "[^A-Za-z0-9]+$" (include "app.imageTag" . | trunc 63) "" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/*
The countdown to SIGKILL starts with preStop: the 5 s pause, then up to
SHUTDOWN_TIMEOUT_SECONDS for in-flight requests, then closing the database
pool, with 10 s to spare.
*/}}
{{- define "app.terminationGracePeriodSeconds" -}}
{{- add 5 (.Values.config.SHUTDOWN_TIMEOUT_SECONDS | default 20 | int) 10 -}}
{{- end -}}

{{/* The port of tracing.otlpEndpoint: the explicit one, else the scheme's default. */}}
{{- define "app.otlpPort" -}}
{{- $url := urlParse .Values.tracing.otlpEndpoint -}}
{{- if regexMatch ":[0-9]+$" $url.host -}}
{{- regexFind "[0-9]+$" $url.host -}}
{{- else if eq $url.scheme "https" -}}
443
{{- else -}}
80
{{- end -}}
{{- end -}}

{{/* What the migrate and app containers share: settings, limits, hardening, volumes. */}}
{{- define "app.containerCommon" -}}
{{ include "app.environment" . }}
resources:
  {{- toYaml .Values.resources | nindent 2 }}
{{ include "app.containerHardening" . }}
{{- end -}}

{{/* The settings, then the secrets: what every container reads. */}}
{{- define "app.environment" -}}
envFrom:
  - configMapRef:
      name: {{ include "app.name" . }}
  - secretRef:
      name: {{ .Values.existingSecret }}
      {{- if not .Values.requiredSecretKeys }}
      # Nothing in it is required: pods start without the Secret.
      optional: true
      {{- end }}
{{- with .Values.requiredSecretKeys }}
# A missing required key stops the pod with an event naming it.
env:
  {{- range . }}
  - name: {{ . }}
    valueFrom:
      secretKeyRef:
        name: {{ $.Values.existingSecret }}
        key: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* What every container shares: no privileges, a read-only root, the volumes. */}}
{{- define "app.containerHardening" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  allowPrivilegeEscalation: false
  privileged: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: ["ALL"]
  seccompProfile:
    type: RuntimeDefault
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- if .Values.persistence }}
  - name: data
    mountPath: /app/var
  {{- end }}
{{- end -}}
