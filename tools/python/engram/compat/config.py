"""The engram storage behind a compat class: one backend, made from the
constructor's parameters.

`open_storage(plugin, options, roles)` writes an engram config (YAML) with
one backend named after `plugin`, whose options are `options` (None values
left out, so the plugin's default applies), serving `roles`, and returns
engram.Storage.from_yaml of it. Values are quoted as JSON (which YAML
reads), so any path or password reaches the plugin exactly. Errors: a string
value holding `${` is ValueError (engram's config expands ${VAR} and has no
escape for it); engram's ConfigError / ConnectionError / ... when the
backend cannot open.

Thread safety: stateless.
"""
import json

import engram


def yaml_value(value):
    """A scalar as YAML: JSON's quoting, which YAML reads. engram expands
    `${VAR}` inside config values and has no escape for it, so a string
    holding `${` is refused rather than read as a variable."""
    if isinstance(value, str) and "${" in value:
        raise ValueError("a path or password holding '${' cannot be given to engram "
                         "(its config expands ${VAR} and has no escape for it)")
    return json.dumps(value)


def open_storage(plugin, options, roles):
    """engram.Storage of one backend (named after its plugin) serving `roles`."""
    fields = ", ".join("%s: %s" % (key, yaml_value(value))
                       for key, value in options.items() if value is not None)
    text = "version: 1\nbackends:\n  %s: {plugin: %s, %s}\nroles: {%s}\n" % (
        plugin, plugin, fields, ", ".join("%s: %s" % (role, plugin) for role in roles))
    return engram.Storage.from_yaml(text)
