"""template_constants of get_template_info: bk-sops's process_pipeline_constants.

The tree is prepared as for a task with no node left out (unused constants dropped); each
remaining constant that is not a node output is listed with its variable type's display name
and how many references the activities make to it (gcloud/apigw/views/utils.py,
gcloud/tasktmpl3/domains/constants.py analysis_pipeline_constants_ref).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from mockserver.language import Language, pick
from simulator.conditions import references
from simulator.exclude import prepare_tree

# The view's own text for a node-input constant; bk-sops does not translate it.
NODE_INPUT = "节点输入"
# `name` of each variable class under pipeline_plugins/variables/collections (the VariableModel
# rows), with the English of bk-sops's locale file.
VARIABLE_TYPES: dict[str, tuple[str, str]] = {
    "input": ("输入框", "Input"),
    "textarea": ("文本框", "Textarea"),
    "datetime": ("日期时间", "Datetime"),
    "int": ("整数", "Integer"),
    "password": ("密码", "Password"),
    "select": ("下拉框", "Select"),
    "text_value_select": ("文本值下拉框", "Text Value Select"),
    "format_support_current_time": ("系统当前时间(支持格式自定义)", "Current Time(Custom Format)"),
    "current_time": ("系统当前时间", "Current Time"),
    "date": ("日期", "Date"),
    "time": ("时间", "Time"),
    "format_support_datetime": ("日期时间（支持格式自定义）", "Datetime (Custom Format)"),
    "staff_group_selector": ("人员分组选择器", "Member Selector"),
    "bk_user_selector": ("人员选择器", "Member Selector"),
    "datatable": ("表格", "Datatable"),
    "ip": ("IP选择器(已废弃)", "IP selector(Offline)"),
    "ip_selector": ("IP选择器", "IP Selector"),
    "set_allocation": ("集群资源筛选", "Set Resource Filter"),
    "attribute_query": ("主机属性查询器", "Hosts Attribute Query"),
    "ip_filter": ("IP过滤器", "IP Filter"),
    "set_module_ip_selector": ("集群模块IP选择器", "Set Module IP Selector"),
    "set_filter_selector": ("集群选择器", "Set Selector"),
    "set_group_selector": ("集群分组选择器", "Set Group Selector"),
    "set_module_selector": ("集群模块选择器", "Set Module Selector"),
}


def template_constants(tree: Mapping[str, Any], language: Language) -> list[dict[str, Any]]:
    prepared = prepare_tree(tree, ())
    counts = activity_references(prepared)
    out = []
    for key, constant in prepared["constants"].items():
        source = constant.get("source_type")
        if source == "component_outputs":
            continue
        out.append(
            {
                "name": constant.get("name", ""),
                "key": constant.get("key", key),
                "show_type": constant.get("show_type", "show"),
                "constant_type": _type_name(constant, language),
                "activity_count": counts[key],
            }
        )
    return out


def _type_name(constant: Mapping[str, Any], language: Language) -> str:
    if constant.get("source_type") == "component_inputs":
        return NODE_INPUT
    code = str(constant.get("custom_type", ""))
    # bk-sops looks the code up in its variable table and answers HTTP 500 for an unknown one;
    # the mock shows the code instead.
    names = VARIABLE_TYPES.get(code)
    return code if names is None else pick(language, *names)


def activity_references(tree: Mapping[str, Any]) -> Counter[str]:
    """ "${name}" -> one count per activity field (a subprocess's constant, a component's input)
    whose value names it, however many times that value does."""
    counts: Counter[str] = Counter()
    for act in tree.get("activities", {}).values():
        if act.get("type") == "SubProcess":
            fields = (act.get("constants") or {}).values()
        else:
            fields = ((act.get("component") or {}).get("data") or {}).values()
        for field in fields:
            value = field.get("value") if isinstance(field, Mapping) else None
            counts.update(f"${{{name}}}" for name in _names(value))
    return counts


def _names(value: Any) -> set[str]:
    if isinstance(value, str):
        return references(value)
    if isinstance(value, Mapping):
        return set().union(*(_names(item) for item in value.values()))
    if isinstance(value, list | tuple):
        return set().union(*(_names(item) for item in value))
    return set()
