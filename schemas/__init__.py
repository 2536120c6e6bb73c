"""JSON Schemas (draft 2020-12) of the bk-sops operations, the operation table and the OpenAPI builder."""
