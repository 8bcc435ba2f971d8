{{/* Names and labels. */}}
{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sluice.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "sluice.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sluice.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding connector secrets: an existing one or the chart's. */}}
{{- define "sluice.secretsName" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret -}}
{{- else if .Values.secrets.files -}}
{{- printf "%s-secrets" (include "sluice.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* SLUICE_CONFIG_PROVIDERS: worker config lines separated by ";" (internal/configprovider FromFlag). */}}
{{- define "sluice.configProviders" -}}
{{- $names := list -}}
{{- $lines := list -}}
{{- $dir := .Values.secrets.mountPath -}}
{{- if include "sluice.secretsName" . -}}
{{- range .Values.secrets.providers -}}
{{- if eq . "file" -}}
{{- $names = append $names "file" -}}
{{- $lines = append $lines "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider" -}}
{{- $lines = append $lines (printf "config.providers.file.param.allowed.paths=%s" $dir) -}}
{{- else if eq . "directory" -}}
{{- $names = append $names "directory" -}}
{{- $lines = append $lines "config.providers.directory.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider" -}}
{{- $lines = append $lines (printf "config.providers.directory.param.allowed.paths=%s" $dir) -}}
{{- else -}}
{{- fail (printf "secrets.providers: %q is not a provider over a mounted Secret; use file or directory (envProvider.enabled declares env)" .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if .Values.envProvider.enabled -}}
{{- $names = append $names "env" -}}
{{- $lines = append $lines "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider" -}}
{{- $lines = append $lines (printf "config.providers.env.param.allowlist.pattern=%s" .Values.envProvider.allowlistPattern) -}}
{{- end -}}
{{- if $names -}}
{{- prepend $lines (printf "config.providers=%s" (join "," $names)) | join ";" -}}
{{- end -}}
{{- end -}}

{{/* The worker config's volume source, or nothing. */}}
{{- define "sluice.workerConfigSource" -}}
{{- $w := .Values.workerConfig -}}
{{- if $w.existingSecret -}}
secret:
  secretName: {{ $w.existingSecret }}
{{- else if $w.existingConfigMap -}}
configMap:
  name: {{ $w.existingConfigMap }}
{{- else if $w.properties -}}
secret:
  secretName: {{ include "sluice.fullname" . }}-worker
{{- end -}}
{{- end -}}

{{- define "sluice.restScheme" -}}
{{- if .Values.rest.tls.secretName -}}HTTPS{{- else -}}HTTP{{- end -}}
{{- end -}}

{{/* Distributed mode: the group id, default the release's fullname. */}}
{{- define "sluice.groupId" -}}
{{- default (include "sluice.fullname" .) .Values.distributed.groupId -}}
{{- end -}}

{{/* The config and status topics, default <groupId>-configs and <groupId>-status
so two releases on one Kafka do not share them. */}}
{{- define "sluice.configTopic" -}}
{{- default (printf "%s-configs" (include "sluice.groupId" .)) .Values.distributed.configTopic -}}
{{- end -}}

{{- define "sluice.statusTopic" -}}
{{- default (printf "%s-status" (include "sluice.groupId" .)) .Values.distributed.statusTopic -}}
{{- end -}}

{{/* The headless Service that gives each worker pod its DNS name. */}}
{{- define "sluice.headlessName" -}}
{{- printf "%s-headless" (include "sluice.fullname" . | trunc 54 | trimSuffix "-") -}}
{{- end -}}

{{/* "true" when a value is given (neither null nor ""), else empty. */}}
{{- define "sluice.isSet" -}}
{{- if and (not (kindIs "invalid" .)) (ne (toString .) "") -}}true{{- end -}}
{{- end -}}

{{/* Refuse what this chart cannot deploy honestly. */}}
{{- define "sluice.validate" -}}
{{- $d := .Values.distributed -}}
{{- if $d.enabled -}}
{{- if lt (int $d.replicas) 1 -}}
{{- fail (printf "distributed.replicas=%v: distributed mode runs at least one worker; set distributed.replicas to 1 or more (3 by default)" $d.replicas) -}}
{{- end -}}
{{- if ne (int .Values.replicaCount) 1 -}}
{{- fail (printf "replicaCount=%v is standalone mode's and is not used in distributed mode; leave it at 1 and set the number of workers with distributed.replicas (now %v)" .Values.replicaCount $d.replicas) -}}
{{- end -}}
{{- if .Values.persistence.existingClaim -}}
{{- fail "persistence.existingClaim is standalone mode's: in distributed mode each worker's data dir is an emptyDir (configs and status are in Kafka, checkpoints in the offsets topic); unset it" -}}
{{- end -}}
{{- range $key, $topic := dict "distributed.configTopic" (include "sluice.configTopic" $) "distributed.statusTopic" (include "sluice.statusTopic" $) -}}
{{- if not (regexMatch "^[a-zA-Z0-9._-]{1,249}$" $topic) -}}
{{- fail (printf "%s: %q is not a Kafka topic name (letters, digits, '.', '_', '-'; at most 249); set it, or a distributed.groupId made of those characters" $key $topic) -}}
{{- end -}}
{{- end -}}
{{- range $key := list "sessionTimeoutMs" "heartbeatIntervalMs" "rebalanceTimeoutMs" -}}
{{- $v := index $d $key -}}
{{- if and (include "sluice.isSet" $v) (le (int64 $v) 0) -}}
{{- fail (printf "distributed.%s=%v: give a number of milliseconds above 0, or leave it empty for sluice's default" $key $v) -}}
{{- end -}}
{{- end -}}
{{- if and (include "sluice.isSet" $d.sessionTimeoutMs) (include "sluice.isSet" $d.heartbeatIntervalMs) -}}
{{- if ge (int64 $d.heartbeatIntervalMs) (int64 $d.sessionTimeoutMs) -}}
{{- fail (printf "distributed.heartbeatIntervalMs=%v must be below distributed.sessionTimeoutMs=%v (a third of it or less)" $d.heartbeatIntervalMs $d.sessionTimeoutMs) -}}
{{- end -}}
{{- end -}}
{{- else if ne (int .Values.replicaCount) 1 -}}
{{- fail (printf "replicaCount=%v: standalone sluice runs exactly one replica (two daemons must not run the same connectors); for several workers sharing the connectors set distributed.enabled=true and distributed.replicas" .Values.replicaCount) -}}
{{- end -}}
{{- $w := .Values.workerConfig -}}
{{- $sources := 0 -}}
{{- if $w.existingSecret }}{{ $sources = add1 $sources }}{{ end -}}
{{- if $w.existingConfigMap }}{{ $sources = add1 $sources }}{{ end -}}
{{- if $w.properties }}{{ $sources = add1 $sources }}{{ end -}}
{{- if gt $sources 1 -}}
{{- fail "workerConfig: set one of existingSecret, existingConfigMap and properties" -}}
{{- end -}}
{{- if and (not .Values.kafka.brokers) (eq $sources 0) -}}
{{- fail "set kafka.brokers (e.g. --set kafka.brokers=kafka:9092) or a workerConfig with bootstrap.servers" -}}
{{- end -}}
{{- if and .Values.secrets.existingSecret .Values.secrets.files -}}
{{- fail "secrets: set existingSecret or files, not both" -}}
{{- end -}}
{{- if and (include "sluice.secretsName" .) (not (hasPrefix "/" .Values.secrets.mountPath)) -}}
{{- fail "secrets.mountPath must be an absolute path" -}}
{{- end -}}
{{- if eq (lower (toString .Values.rest.tls.clientAuth)) "required" -}}
{{- fail "rest.tls.clientAuth=required: the kubelet's probes and Prometheus carry no client certificate and would be refused in the TLS handshake; use requested" -}}
{{- end -}}
{{- if and .Values.rest.tls.clientCASecret (not .Values.rest.tls.secretName) -}}
{{- fail "rest.tls.clientCASecret needs rest.tls.secretName (client certificates are checked over HTTPS)" -}}
{{- end -}}
{{- if not (has .Values.logFormat (list "text" "json")) -}}
{{- fail (printf "logFormat %q: use text or json" .Values.logFormat) -}}
{{- end -}}
{{- end -}}
