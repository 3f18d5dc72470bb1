{{/*
Usage: {{ include "quikapp.object.Pod.smokeTest" $ }}
A `helm test` pod that asks every enabled service's readiness endpoint through its Service:
proof that DNS, the Services, the network policies and the pods answer together.
*/}}
{{- define "quikapp.object.Pod.smokeTest" -}}
apiVersion: v1
kind: Pod
metadata:
  name: quikapp-smoke-test
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.smokeTest" . | nindent 4 }}
    app.kubernetes.io/part-of: quikapp
    {{- include "quikapp.part.labels.chart" . | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation
    checkov.io/skip1: CKV_K8S_8=A helm test pod runs once and exits; there is nothing for a liveness probe to restart
    checkov.io/skip2: CKV_K8S_9=A helm test pod runs once and exits; no Service routes to it, so readiness means nothing
spec:
  {{- include "quikapp.part.smokeTest.podSpec" . | nindent 2 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.object.Job.postSyncCheck" $ }}
The same check as a Job that Argo CD runs after every sync (a PostSync hook; Argo CD never runs
`helm test`), once every resource is healthy.
*/}}
{{- define "quikapp.object.Job.postSyncCheck" -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: quikapp-post-sync-check
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.shared" . | nindent 4 }}
  annotations:
    argocd.argoproj.io/hook: PostSync
    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
spec:
  backoffLimit: 2
  activeDeadlineSeconds: 600
  template:
    metadata:
      labels:
        {{- include "quikapp.part.labels.smokeTest" . | nindent 8 }}
        app.kubernetes.io/part-of: quikapp
        {{- include "quikapp.part.labels.chart" . | nindent 8 }}
    spec:
      {{- include "quikapp.part.smokeTest.podSpec" . | nindent 6 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.smokeTest.podSpec" $ }}
The check's pod spec, shared by the `helm test` pod and the PostSync Job.
*/}}
{{- define "quikapp.part.smokeTest.podSpec" -}}
{{- $global := dict -}}
{{- include "quikapp.settings.global" (dict "ctx" . "out" $global) -}}
{{- $targets := list -}}
{{- $enabled := dict -}}
{{- include "quikapp.settings.enabled" (dict "ctx" . "global" $global "out" $enabled) -}}
{{- range $svc := $enabled.services -}}
  {{- $targets = append $targets (printf "http://%s:%v%s" $svc.name $svc.ports.http ($svc.probes.readiness.path | default "/")) -}}
{{- end -}}
{{- $test := $global.smokeTest -}}
restartPolicy: Never
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  runAsUser: 65534
  runAsGroup: 65534
  seccompProfile:
    type: RuntimeDefault
  appArmorProfile:
    type: RuntimeDefault
containers:
  - name: smoke-test
    image: {{ $test.image | quote }}
    imagePullPolicy: Always
    # The script is fixed text; the timeout and the URLs reach it as arguments ($0 is the name),
    # so no value is ever read by the shell as code.
    command:
      - /bin/sh
      - -c
      - |
        timeout="$1"; shift
        failed=0
        for url in "$@"; do
          if wget -q -T "$timeout" -O /dev/null -- "$url"; then echo "ok   $url"; else echo "FAIL $url"; failed=1; fi
        done
        exit $failed
      - smoke-test
    args:
      - {{ $test.timeoutSeconds | int | toString | quote }}
      {{- range $url := $targets }}
      - {{ $url | quote }}
      {{- end }}
    resources:
      {{- toYaml $test.resources | nindent 6 }}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities:
        drop: [ALL]
{{- end -}}
