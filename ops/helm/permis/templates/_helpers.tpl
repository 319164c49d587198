{{/* Labels of every object of a component (a process, the desk, the prepare Job). */}}
{{- define "permis.labels" -}}
{{ include "permis.selector" . }}
app.kubernetes.io/part-of: permis
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end }}

{{/* What selects a component's pods. */}}
{{- define "permis.selector" -}}
app.kubernetes.io/name: permis
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* An object's name: the release's, then the component's. */}}
{{- define "permis.name" -}}
{{ printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "permis.image" -}}
{{- $image := .Values.image -}}
{{- if $image.digest -}}
{{ $image.repository }}@{{ $image.digest }}
{{- else -}}
{{ $image.repository }}:{{ $image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* Every pod: non-root, no service-account token, the seccomp default. */}}
{{- define "permis.podSecurity" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Every container: the image, a read-only root filesystem, no capabilities. */}}
{{- define "permis.container" -}}
image: {{ include "permis.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
{{- end }}

{{/* The broker's URL, one amqp:// per node, its password from the environment. */}}
{{- define "permis.brokerUrl" -}}
{{- $broker := .Values.broker -}}
{{- $urls := list -}}
{{- range $broker.nodes -}}
{{- $urls = append $urls (printf "amqp://%s:$(BROKER_PASSWORD)@%s:%d/%s" $broker.user . (int $broker.port) $broker.vhost) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end }}

{{/* A database URL for role .user over every host; libpq reads the password from PGPASSWORD. */}}
{{- define "permis.databaseUrl" -}}
{{- $db := .root.Values.database -}}
{{- $hosts := list -}}
{{- range $db.hosts -}}
{{- $hosts = append $hosts (printf "%s:%d" . (int $db.port)) -}}
{{- end -}}
{{ printf "postgresql://%s@%s/%s" .user (join "," $hosts) $db.name }}
{{- end }}

{{/* One key of the passwords Secret as an environment variable. */}}
{{- define "permis.password" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secrets.passwords }}
      key: {{ .key }}
{{- end }}

{{/* The broker and the database, for the workers and the prepare Job. */}}
{{- define "permis.connections" -}}
{{ include "permis.password" (dict "root" . "name" "BROKER_PASSWORD" "key" "broker-password") }}
- name: PERMIS_BROKER_URL
  value: {{ include "permis.brokerUrl" . | quote }}
{{ include "permis.password" (dict "root" . "name" "PGPASSWORD" "key" "database-password") }}
- name: PERMIS_DATABASE_URL
  value: {{ include "permis.databaseUrl" (dict "root" . "user" .Values.database.user) | quote }}
{{- end }}

{{/* A ConfigMap or Secret mounted read-only under /etc/permis. */}}
{{- define "permis.mount" -}}
- name: {{ . }}
  mountPath: /etc/permis/{{ . }}
  readOnly: true
{{- end }}

{{/* The scratch directory: the metrics files (PERMIS_METRICS_DIR) and temporary files. */}}
{{- define "permis.tmp" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/* The egress rules of the NetworkPolicies. */}}
{{- define "permis.egress.dns" -}}
- to:
    {{- toYaml (list .Values.dns.peer) | nindent 4 }}
  ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
{{- end }}
{{- define "permis.egress.database" -}}
- to:
    {{- toYaml (list .Values.database.peer) | nindent 4 }}
  ports:
    - {protocol: TCP, port: {{ .Values.database.port }}}
{{- end }}
{{- define "permis.egress.broker" -}}
- to:
    {{- toYaml (list .Values.broker.peer) | nindent 4 }}
  ports:
    - {protocol: TCP, port: {{ .Values.broker.port }}}
{{- end }}
