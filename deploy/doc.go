// Package deploy has no code of its own: it is the module whose tests
// check what deploy/ ships to operators against the real tools and
// schemas, offline.
//
//   - The Helm chart (helm/pixelmill) is rendered by a real helm with each
//     value set in helm/pixelmill/ci, and every object is validated
//     against the Kubernetes API's OpenAPI schemas (from the
//     k8s.io/kubernetes module) and KEDA's CRD schema (from the
//     github.com/kedacore/keda/v2 module), strictly: an unknown field fails
//     as `kubectl apply --validate=strict` would.
//   - Every PIXELMILL_* variable the chart or docker-compose.yml sets is one
//     the binaries read (their `env` command lists them).
//   - The KEDA triggers name the job queue's real streams and consumers,
//     and the NATS chart values give the cluster they assume.
//   - docker-compose.yml is loaded and validated by compose-go, the library
//     docker compose itself uses.
package deploy
