{{/*
The pod of a sluice worker: the Deployment's in standalone mode, the
StatefulSet's in distributed mode (which adds the group's settings and names
the pod to the others by its stable DNS name). Called with the root context.
*/}}
{{- define "sluice.podTemplate" -}}
{{- $providers := include "sluice.configProviders" . -}}
{{- $secrets := include "sluice.secretsName" . -}}
{{- $worker := include "sluice.workerConfigSource" . -}}
{{- $auth := or .Values.rest.basicAuth.secretName .Values.rest.tokens.secretName -}}
{{- $scheme := include "sluice.restScheme" . -}}
metadata:
  {{- if or .Values.workerConfig.properties .Values.secrets.files .Values.podAnnotations }}
  annotations:
    {{- if .Values.workerConfig.properties }}
    checksum/worker-config: {{ include (print $.Template.BasePath "/secret-worker.yaml") . | sha256sum }}
    {{- end }}
    {{- if .Values.secrets.files }}
    checksum/secrets: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
  labels:
    {{- include "sluice.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "sluice.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
  # Service links would put variables named after the Service (SLUICE_PORT,
  # SLUICE_SERVICE_HOST, ...) into sluice's SLUICE_* namespace.
  enableServiceLinks: false
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  containers:
    - name: sluice
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      # The image's entrypoint is `sluice serve`; these are its flags.
      {{- with .Values.extraArgs }}
      args:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      env:
        - name: SLUICE_LISTEN
          value: {{ printf ":%d" (int .Values.rest.port) | quote }}
        - name: SLUICE_DATA_DIR
          value: {{ .Values.dataDir | quote }}
        {{- with .Values.kafka.brokers }}
        - name: SLUICE_KAFKA_BROKERS
          value: {{ . | quote }}
        {{- end }}
        {{- with .Values.kafka.offsetsTopic }}
        - name: SLUICE_OFFSETS_TOPIC
          value: {{ . | quote }}
        {{- end }}
        - name: SLUICE_LOG_LEVEL
          value: {{ .Values.logLevel | quote }}
        - name: SLUICE_LOG_FORMAT
          value: {{ .Values.logFormat | quote }}
        - name: SLUICE_SHUTDOWN_TIMEOUT
          value: {{ .Values.shutdownTimeout | quote }}
        {{- if .Values.distributed.enabled }}
        {{- $d := .Values.distributed }}
        # Distributed mode: the group, its topics, and the name the other
        # workers reach this one at: the pod's DNS name under the headless
        # Service (the port is the listen port).
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: SLUICE_GROUP_ID
          value: {{ include "sluice.groupId" . | quote }}
        - name: SLUICE_CONFIG_TOPIC
          value: {{ include "sluice.configTopic" . | quote }}
        - name: SLUICE_STATUS_TOPIC
          value: {{ include "sluice.statusTopic" . | quote }}
        {{- if include "sluice.isSet" $d.sessionTimeoutMs }}
        - name: SLUICE_SESSION_TIMEOUT_MS
          value: {{ int64 $d.sessionTimeoutMs | toString | quote }}
        {{- end }}
        {{- if include "sluice.isSet" $d.heartbeatIntervalMs }}
        - name: SLUICE_HEARTBEAT_INTERVAL_MS
          value: {{ int64 $d.heartbeatIntervalMs | toString | quote }}
        {{- end }}
        {{- if include "sluice.isSet" $d.rebalanceTimeoutMs }}
        - name: SLUICE_REBALANCE_TIMEOUT_MS
          value: {{ int64 $d.rebalanceTimeoutMs | toString | quote }}
        {{- end }}
        - name: SLUICE_REST_ADVERTISED_HOST
          value: {{ printf "$(POD_NAME).%s.$(POD_NAMESPACE).svc" (include "sluice.headlessName" .) | quote }}
        {{- end }}
        {{- if $worker }}
        - name: SLUICE_WORKER_CONFIG
          value: {{ printf "%s/%s" .Values.workerConfig.mountPath .Values.workerConfig.key | quote }}
        {{- end }}
        {{- if $providers }}
        - name: SLUICE_CONFIG_PROVIDERS
          value: {{ $providers | quote }}
        {{- end }}
        {{- if .Values.rest.tls.secretName }}
        - name: SLUICE_REST_TLS_CERT
          value: /etc/sluice/rest-tls/tls.crt
        - name: SLUICE_REST_TLS_KEY
          value: /etc/sluice/rest-tls/tls.key
        {{- end }}
        {{- if .Values.rest.tls.clientCASecret }}
        - name: SLUICE_REST_TLS_CLIENT_CA
          value: /etc/sluice/rest-client-ca/ca.crt
        {{- end }}
        {{- with .Values.rest.tls.clientAuth }}
        - name: SLUICE_REST_TLS_CLIENT_AUTH
          value: {{ . | quote }}
        {{- end }}
        {{- if .Values.rest.basicAuth.secretName }}
        - name: SLUICE_REST_BASIC_AUTH_FILE
          value: {{ printf "/etc/sluice/rest-basic-auth/%s" .Values.rest.basicAuth.key | quote }}
        {{- end }}
        {{- if .Values.rest.tokens.secretName }}
        - name: SLUICE_REST_TOKENS_FILE
          value: {{ printf "/etc/sluice/rest-tokens/%s" .Values.rest.tokens.key | quote }}
        {{- end }}
        {{- if $auth }}
        - name: SLUICE_REST_OPEN_PATHS
          value: {{ concat (list "/healthz" "/readyz") .Values.rest.openPaths | uniq | join "," | quote }}
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.extraEnvFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - name: http
          containerPort: {{ .Values.rest.port }}
          protocol: TCP
      livenessProbe:
        httpGet:
          path: /healthz
          port: http
          scheme: {{ $scheme }}
        {{- toYaml .Values.livenessProbe | nindent 8 }}
      readinessProbe:
        httpGet:
          path: /readyz
          port: http
          scheme: {{ $scheme }}
        {{- toYaml .Values.readinessProbe | nindent 8 }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: data
          mountPath: {{ .Values.dataDir }}
        - name: tmp
          mountPath: /tmp
        {{- if $worker }}
        - name: worker-config
          mountPath: {{ .Values.workerConfig.mountPath }}
          readOnly: true
        {{- end }}
        {{- range $i, $f := .Values.workerConfig.files }}
        - name: worker-file-{{ $i }}
          mountPath: {{ $f.mountPath }}
          readOnly: true
        {{- end }}
        {{- if $secrets }}
        - name: secrets
          mountPath: {{ .Values.secrets.mountPath }}
          readOnly: true
        {{- end }}
        {{- if .Values.rest.tls.secretName }}
        - name: rest-tls
          mountPath: /etc/sluice/rest-tls
          readOnly: true
        {{- end }}
        {{- if .Values.rest.tls.clientCASecret }}
        - name: rest-client-ca
          mountPath: /etc/sluice/rest-client-ca
          readOnly: true
        {{- end }}
        {{- if .Values.rest.basicAuth.secretName }}
        - name: rest-basic-auth
          mountPath: /etc/sluice/rest-basic-auth
          readOnly: true
        {{- end }}
        {{- if .Values.rest.tokens.secretName }}
        - name: rest-tokens
          mountPath: /etc/sluice/rest-tokens
          readOnly: true
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: data
      {{- if .Values.distributed.enabled }}
      # Distributed mode keeps nothing a worker needs in its data dir:
      # configs and status are in Kafka, checkpoints in the offsets topic.
      emptyDir: {}
      {{- else if .Values.persistence.enabled }}
      persistentVolumeClaim:
        claimName: {{ .Values.persistence.existingClaim | default (printf "%s-data" (include "sluice.fullname" .)) }}
      {{- else }}
      emptyDir: {}
      {{- end }}
    - name: tmp
      emptyDir: {}
    {{- if $worker }}
    - name: worker-config
      {{- $worker | nindent 6 }}
    {{- end }}
    {{- range $i, $f := .Values.workerConfig.files }}
    - name: worker-file-{{ $i }}
      secret:
        secretName: {{ required "workerConfig.files[].secretName" $f.secretName }}
    {{- end }}
    {{- if $secrets }}
    - name: secrets
      secret:
        secretName: {{ $secrets }}
    {{- end }}
    {{- with .Values.rest.tls.secretName }}
    - name: rest-tls
      secret:
        secretName: {{ . }}
    {{- end }}
    {{- with .Values.rest.tls.clientCASecret }}
    - name: rest-client-ca
      secret:
        secretName: {{ . }}
    {{- end }}
    {{- with .Values.rest.basicAuth.secretName }}
    - name: rest-basic-auth
      secret:
        secretName: {{ . }}
    {{- end }}
    {{- with .Values.rest.tokens.secretName }}
    - name: rest-tokens
      secret:
        secretName: {{ . }}
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
