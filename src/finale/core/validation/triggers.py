"""Tekton Triggers objects (EventListener, Trigger, TriggerBinding, TriggerTemplate): strict fields.

Field names are the JSON names of the Go types in tektoncd/triggers
`pkg/apis/triggers/v1beta1/{event_listener,trigger,trigger_binding,trigger_template}_types.go`;
the API server refuses unknown ones under strict field validation, as for Pipelines.
"""

from __future__ import annotations

from collections.abc import Mapping

from finale.core.validation.common import Errors, index, join
from finale.core.validation.fields import check_fields

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

    Schema = dict[str, Any]

GROUP = "triggers.tekton.dev"
VERSION = "v1beta1"

# A schema maps each allowed field to the schema of its value: a dict for an object, a
# one-item list for a list of objects, None for anything else (strings, free-form maps).

_SELECTOR: Schema = {"matchLabels": None, "matchExpressions": None}
_NAMESPACE_SELECTOR: Schema = {"matchNames": None}
_BINDING: Schema = {"name": None, "value": None, "ref": None, "kind": None, "apiversion": None}
_TEMPLATE_SPEC: Schema = {
    "params": [{"name": None, "description": None, "default": None}],
    "resourcetemplates": None,
}
_TEMPLATE_REF: Schema = {"ref": None, "apiversion": None, "spec": _TEMPLATE_SPEC}
_INTERCEPTOR: Schema = {
    "name": None,
    "ref": {"name": None, "kind": None, "apiVersion": None},
    "params": [{"name": None, "value": None}],
    "webhook": {"objectRef": None, "url": None, "header": [{"name": None, "value": None}]},
}
_TRIGGER: Schema = {
    "bindings": [_BINDING],
    "template": _TEMPLATE_REF,
    "name": None,
    "interceptors": [_INTERCEPTOR],
    "serviceAccountName": None,
}
_EVENT_LISTENER: Schema = {
    "serviceAccountName": None,
    "triggers": [{**_TRIGGER, "triggerRef": None}],
    "triggerGroups": [
        {
            "name": None,
            "interceptors": [_INTERCEPTOR],
            "triggerSelector": {"namespaceSelector": _NAMESPACE_SELECTOR, "labelSelector": _SELECTOR},
        }
    ],
    "namespaceSelector": _NAMESPACE_SELECTOR,
    "labelSelector": _SELECTOR,
    "resources": {
        "kubernetesResource": {"replicas": None, "serviceType": None, "servicePort": None, "spec": None},
        "customResource": None,
    },
    "cloudEventURI": None,
}
_BINDING_SPEC: Schema = {"params": [{"name": None, "value": None}]}
SPECS: Mapping[str, Schema] = {
    "EventListener": _EVENT_LISTENER,
    "Trigger": _TRIGGER,
    "TriggerBinding": _BINDING_SPEC,
    "ClusterTriggerBinding": _BINDING_SPEC,
    "TriggerTemplate": _TEMPLATE_SPEC,
}


def is_triggers_kind(api_version: object, kind: object) -> bool:
    return api_version == f"{GROUP}/{VERSION}" and kind in SPECS


def validate_triggers_spec(errs: Errors, kind: str, spec: Mapping[str, Any]) -> None:
    """Unknown fields anywhere in the spec, and the names every param must have."""
    _check(errs, spec, SPECS[kind], "spec")
    if kind == "EventListener":
        _check_listener_triggers(errs, spec)


def _check(errs: Errors, obj: Mapping[str, Any], schema: Schema, path: str) -> None:
    check_fields(errs, obj, tuple(schema), path)
    for name, sub in schema.items():
        value = obj.get(name)
        if isinstance(sub, dict) and isinstance(value, Mapping):
            _check(errs, value, sub, join(path, name))
        elif isinstance(sub, list) and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    _check(errs, item, sub[0], index(join(path, name), i))
                    _require_param_name(errs, name, item, index(join(path, name), i))


def _require_param_name(errs: Errors, field: str, item: Mapping[str, Any], path: str) -> None:
    if field == "params" and not item.get("name"):
        errs.add(join(path, "name"), "missing field(s)", "give the param a name")


def _check_listener_triggers(errs: Errors, spec: Mapping[str, Any]) -> None:
    # EventListenerTrigger.validate (event_listener_validation.go): a trigger either refers to
    # a Trigger object or names its own template.
    triggers = spec.get("triggers")
    for i, trigger in enumerate(triggers if isinstance(triggers, list) else []):
        if isinstance(trigger, Mapping) and not trigger.get("template") and not trigger.get("triggerRef"):
            errs.add(
                index("spec.triggers", i),
                "expected exactly one, got neither: template, triggerRef",
                "set template.ref to a TriggerTemplate, or triggerRef to a Trigger",
            )
