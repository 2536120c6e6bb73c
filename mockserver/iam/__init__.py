"""Trusted apps, IAM grants and bk-sops's view interceptors (issue 15, item 1)."""

from .policy import DEFAULT_TRUSTED_APPS, Policy, Resource

__all__ = ["DEFAULT_TRUSTED_APPS", "Policy", "Resource"]
