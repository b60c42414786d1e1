"""The platform layer every workflow app builds on: scope, access, audit, exports, the
API router, background jobs and workflows as data. Apps use it; none re-implements it.
See docs/architecture.md."""
