{{/*
The library's templates, named by layer. A define's name says what it gives back; its file says
which layer it belongs to (_<layer>_<what>.tpl):

  quikapp.render.*       entry points: what a chart's template file includes; YAML documents
                         (`---` separated). _render.tpl.
  quikapp.object.<Kind>[.<variant>]
                         one Kubernetes object of that kind, spelled as Kubernetes spells it
                         (quikapp.object.Service is a Kubernetes Service). _object_<kind>.tpl.
  quikapp.part.<Kind|area>.<piece>
                         a piece of an object's YAML or one of its values: metadata, labels, a
                         container's image, env and probes, ports, peers. _part_<area>.tpl.
  quikapp.settings.*     what a QuikApp service's settings are: global over its defaults, the
                         layers, their merge (resolve), what follows from them (derive, kept under
                         the service's `derived`), the enabled services of every stack. Filled in
                         place into an `out` dict, never YAML. _settings_<step>.tpl.
  quikapp.checks.*       what a schema cannot say about the values; fails the render. _checks.tpl.
  quikapp.defaults.*     data: the library's defaults, plain YAML (tools/quikapp_charts reads
                         _defaults.tpl). _defaults.tpl.
  quikapp.util.*         chart-independent helpers (merge, YAML writing). _util_<what>.tpl.

One meaning per word: "service" is a QuikApp service (a row of charts/services.md), never a
Kubernetes Service, which is `Service` as an object kind; "render" is writing YAML documents, and
only quikapp.render.* does it. A define reads its layer and the layers below it:
render -> object -> part -> settings -> util, with checks and defaults beside settings.
Every define carries a `Usage:` line; nested control flow is indented two spaces per level.
*/}}
