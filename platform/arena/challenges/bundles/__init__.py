"""Challenge bundles: a zip (or folder) with ``challenge.yaml`` at its root, markdown pages
and data folders, loaded by :func:`import_bundle` (the service behind the web page, the API
and ``manage.py import_challenge``).

Modules: ``problems`` (Problem, BundleError), ``schema`` (challenge.yaml → typed spec with
defaults), ``source`` (stage an upload / zip / folder with the archive safety checks),
``validate`` (every check, every problem), ``load`` (import_bundle), ``versions`` (bundle
versions, confirmation of changed references).
"""

from arena.challenges.bundles.load import BundleForbidden, ImportResult, import_bundle
from arena.challenges.bundles.problems import BundleError, Problem

__all__ = ["BundleError", "BundleForbidden", "ImportResult", "Problem", "import_bundle"]
