"""Test helpers for agent-sandbox: start or attach, namespaces, runs in both dialects."""
from .client import Sandbox, SandboxError

__all__ = ["Sandbox", "SandboxError"]
