{{/* Names: <release>-<component>, shortened to 63 characters. */}}
{{- define "creditstream.name" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "creditstream.selectorLabels" -}}
app.kubernetes.io/name: creditstream
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "creditstream.labels" -}}
{{ include "creditstream.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "creditstream.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "creditstream.mongodbSecret" -}}
{{ .Values.mongodb.existingSecret | default (printf "%s-mongodb" .Release.Name) }}
{{- end -}}

{{- define "creditstream.kafkaSecret" -}}
{{ .Values.kafka.sasl.existingSecret | default (printf "%s-kafka-sasl" .Release.Name) }}
{{- end -}}

{{/* Environment of every creditstream process (services and the trainer). */}}
{{- define "creditstream.env" -}}
- name: KAFKA_BROKERS
  value: {{ .Values.kafka.brokers | quote }}
- name: SCHEMA_REGISTRY_URL
  value: {{ .Values.schemaRegistry.url | quote }}
- name: MONGODB_URI
  valueFrom:
    secretKeyRef:
      name: {{ include "creditstream.mongodbSecret" . }}
      key: uri
- name: MONGODB_DATABASE
  value: {{ .Values.mongodb.database | quote }}
- name: CREDITSTREAM_PARTITIONS
  value: {{ .Values.kafka.partitions | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- if .Values.kafka.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ .Values.kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "creditstream.kafkaSecret" . }}
      key: username
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "creditstream.kafkaSecret" . }}
      key: password
{{- end }}
{{- end -}}
