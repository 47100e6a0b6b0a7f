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

{{/* KAFKA_SECURITY_PROTOCOL: kafka.securityProtocol, or SASL_SSL when a SASL mechanism is set, else PLAINTEXT. */}}
{{- define "creditstream.kafkaSecurityProtocol" -}}
{{ .Values.kafka.securityProtocol | default (ternary "SASL_SSL" "PLAINTEXT" (not (empty .Values.kafka.sasl.mechanism))) }}
{{- end -}}

{{/* The Kafka secrets as files (the SASL password, the brokers' CA): mounts of every creditstream container. */}}
{{- define "creditstream.kafkaVolumeMounts" -}}
{{- if .Values.kafka.sasl.mechanism }}
- name: kafka-sasl
  mountPath: /etc/creditstream/kafka-sasl
  readOnly: true
{{- end }}
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-ca
  mountPath: /etc/creditstream/kafka-ca
  readOnly: true
{{- end }}
{{- end -}}

{{- define "creditstream.kafkaVolumes" -}}
{{- if .Values.kafka.sasl.mechanism }}
- name: kafka-sasl
  secret:
    secretName: {{ include "creditstream.kafkaSecret" . }}
    items:
      - key: password
        path: password
{{- end }}
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret }}
    items:
      - key: {{ .Values.kafka.tls.caKey }}
        path: ca.crt
{{- end }}
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
- name: KAFKA_SECURITY_PROTOCOL
  value: {{ include "creditstream.kafkaSecurityProtocol" . | quote }}
{{- if .Values.kafka.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ .Values.kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "creditstream.kafkaSecret" . }}
      key: username
{{- /* A file, not an environment variable: environments leak into crash reports and `ps e`. */}}
- name: KAFKA_SASL_PASSWORD_FILE
  value: /etc/creditstream/kafka-sasl/password
{{- end }}
{{- if .Values.kafka.tls.caSecret }}
- name: KAFKA_SSL_CA_FILE
  value: /etc/creditstream/kafka-ca/ca.crt
{{- end }}
{{- end -}}

{{/*
What a service waits for that the chart does not run: a wait for a disabled service's progress would hold every
business day for PROGRESS_MAX_WAIT_MS (5 min), and the credit service would wait for fraud checks that never come.
*/}}
{{- define "creditstream.awaitEnv" -}}
{{- $name := .name -}}
{{- $on := dict -}}
{{- range $n, $s := .root.Values.services }}{{- $_ := set $on $n $s.enabled -}}{{- end -}}
{{- if and (eq $name "scoring-service") (not (get $on "feature-service")) }}
- name: SCORING_SERVICE_AWAIT_PROGRESS
  value: none
{{- end }}
{{- if and (eq $name "collections-service") (not (get $on "scoring-service")) }}
- name: COLLECTIONS_SERVICE_AWAIT_PROGRESS
  value: none
{{- end }}
{{- if and (eq $name "credit-service") (not (get $on "fraud-service")) }}
- name: CREDIT_FRAUD_CHECKS
  value: "off"
{{- end }}
{{- if and (eq $name "credit-service") (not (get $on "collections-service")) }}
- name: CREDIT_SERVICE_AWAIT_DAILY_RUN
  value: none
{{- end }}
{{- if and (eq $name "fraud-service") (not (get $on "collections-service")) }}
- name: FRAUD_SERVICE_AWAIT_DAILY_RUN
  value: none
{{- end }}
{{- end -}}
