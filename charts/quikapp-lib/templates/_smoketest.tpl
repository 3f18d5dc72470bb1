{{/*
Usage: {{ include "quikapp.smoketest" $ }}
A `helm test` pod that asks every enabled service's readiness endpoint through its Service:
proof that DNS, the Services, the network policies and the pods answer together.
*/}}
{{- define "quikapp.smoketest" -}}
{{- $global := include "quikapp.global" . | fromYaml -}}
{{- $targets := list -}}
{{- range $svc := include "quikapp.services.enabled" . | fromYamlArray -}}
{{- $targets = append $targets (printf "http://%s:%v%s" $svc.name $svc.ports.http ($svc.probes.readiness.path | default "/")) -}}
{{- end -}}
{{- $test := $global.smokeTest -}}
apiVersion: v1
kind: Pod
metadata:
  name: quikapp-smoke-test
  namespace: {{ include "quikapp.namespace" . | quote }}
  labels:
    quikapp.dev/smoke-test: "true"
    {{- include "quikapp.labels.shared" . | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 65534
    runAsGroup: 65534
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: smoke-test
      image: {{ $test.image | quote }}
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
        {{- toYaml $test.resources | nindent 8 }}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: [ALL]
{{- end -}}
