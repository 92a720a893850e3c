{{- define "berth.env" -}}
- name: BERTH_DATABASE_URL
  valueFrom: { secretKeyRef: { name: {{ .Values.databaseUrlSecret.name }}, key: {{ .Values.databaseUrlSecret.key }} } }
- name: BERTH_AMQP_URL
  valueFrom: { secretKeyRef: { name: {{ .Values.amqpUrlSecret.name }}, key: {{ .Values.amqpUrlSecret.key }} } }
- name: BERTH_PUBLIC_URL
  value: {{ .Values.publicUrl | quote }}
- name: BERTH_BIND
  value: "0.0.0.0"
{{- end -}}
