{{/* The release's name prefix for every object. */}}
{{- define "pixelmill.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pixelmill.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: pixelmill.selector (dict "root" $ "component" "api"). */}}
{{- define "pixelmill.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "pixelmill.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "pixelmill.fullname" .)) -}}
{{- end -}}

{{/* An image reference: pixelmill.image (dict "root" $ "image" .Values.api.image). */}}
{{- define "pixelmill.image" -}}
{{- $repo := .image.repository -}}
{{- with .root.Values.image.registry }}{{ $repo = printf "%s/%s" . $repo }}{{ end -}}
{{- printf "%s:%s" $repo (.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{/* A variable from the release's Secret. */}}
{{- define "pixelmill.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "pixelmill.secretName" .root }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* The variables both services read: stores, queue, logs, telemetry. */}}
{{- define "pixelmill.commonEnv" -}}
{{ include "pixelmill.secretEnv" (dict "root" . "name" "PIXELMILL_DATABASE_URL" "key" "database-url") }}
- name: PIXELMILL_DATABASE_MAX_CONNS
  value: {{ .Values.postgres.maxConns | quote }}
- name: PIXELMILL_NATS_URL
  value: {{ required "nats.url is required" .Values.nats.url | quote }}
- name: PIXELMILL_NATS_REPLICAS
  value: {{ .Values.nats.streamReplicas | quote }}
- name: PIXELMILL_S3_ENDPOINT
  value: {{ required "s3.endpoint is required (host:port of any S3 API)" .Values.s3.endpoint | quote }}
- name: PIXELMILL_S3_BUCKET
  value: {{ .Values.s3.bucket | quote }}
- name: PIXELMILL_S3_REGION
  value: {{ .Values.s3.region | quote }}
- name: PIXELMILL_S3_USE_TLS
  value: {{ .Values.s3.useTLS | quote }}
{{ include "pixelmill.secretEnv" (dict "root" . "name" "PIXELMILL_S3_ACCESS_KEY" "key" "s3-access-key") }}
{{ include "pixelmill.secretEnv" (dict "root" . "name" "PIXELMILL_S3_SECRET_KEY" "key" "s3-secret-key") }}
- name: PIXELMILL_LOG_FORMAT
  value: {{ .Values.logFormat | quote }}
- name: PIXELMILL_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- with .Values.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* The API's own variables, shared by its pods and the migration Job. */}}
{{- define "pixelmill.apiEnv" -}}
{{ include "pixelmill.commonEnv" . }}
- name: PIXELMILL_HTTP_ADDR
  value: "0.0.0.0:8080"
- name: PIXELMILL_METRICS_ADDR
  value: {{ printf "0.0.0.0:%d" (int .Values.api.service.metricsPort) | quote }}
- name: PIXELMILL_PUBLIC_URL
  value: {{ required "publicURL is required: the address clients reach the API at" .Values.publicURL | quote }}
- name: PIXELMILL_ADMIN_USER
  value: {{ .Values.api.adminUser | quote }}
{{ include "pixelmill.secretEnv" (dict "root" . "name" "PIXELMILL_ADMIN_PASSWORD" "key" "admin-password" "optional" true) }}
{{ include "pixelmill.secretEnv" (dict "root" . "name" "PIXELMILL_URL_SIGNING_KEY" "key" "url-signing-key") }}
{{ include "pixelmill.secretEnv" (dict "root" . "name" "PIXELMILL_DELIVERY_API_KEY" "key" "delivery-api-key" "optional" true) }}
- name: PIXELMILL_MAX_UPLOAD_BYTES
  value: {{ .Values.api.maxUploadBytes | int64 | quote }}
- name: PIXELMILL_SHUTDOWN_DELAY
  value: {{ printf "%ds" (int .Values.api.shutdownDelaySeconds) | quote }}
{{- with .Values.api.trustedProxies }}
- name: PIXELMILL_TRUSTED_PROXIES
  value: {{ . | quote }}
{{- end }}
{{- with .Values.s3.publicEndpoint }}
- name: PIXELMILL_S3_PUBLIC_ENDPOINT
  value: {{ . | quote }}
- name: PIXELMILL_S3_PUBLIC_USE_TLS
  value: {{ $.Values.s3.publicUseTLS | quote }}
{{- end }}
{{- range $name, $value := .Values.api.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Hardened container defaults: no privilege, read-only root. */}}
{{- define "pixelmill.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end -}}
