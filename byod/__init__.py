"""Bring your own deployment: import a bk-sops deployment's templates, diff two targets.

Talks HTTP only to its targets, as contract_tests does; `sops-mock fixtures import` and
`sops-mock diff` run it in a child interpreter so that mockserver never imports it.
"""
