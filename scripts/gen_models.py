#!/usr/bin/env python3
"""Generates the typed models of coassist from an OpenAI OpenAPI spec subset.

One generator, one mode per spec (chosen by --mode, or from the spec's file name):

    python3 scripts/gen_models.py --spec reference/openai-spec/assistants-v2.yaml --out include/coassist/api
    python3 scripts/gen_models.py --spec reference/openai-spec/responses-v1.yaml --out include/coassist/responses

Writes (all committed; users need no Python), into --out:
  models/models.hpp       one struct per object schema, enums, unions; codec declarations
  models/impl/models.ipp  the codec definitions (compiled once with COASSIST_SEPARATE_COMPILATION)
  models/operation_types.hpp  ops::X::request / ::response / ::info per operation
  operations.hpp          a constexpr table of the operations (48 Assistants, 15 Responses)
  events.hpp              the typed stream events and decode_event()
Mode `assistants` writes namespace coassist::api; mode `responses` (Responses + Conversations)
writes namespace coassist::responses, which shares the runtime of coassist::api (models/core.hpp:
nullable, basic_enum, unknown_json, decode_error, from_json/to_json) through using-declarations
and the api::operation_info struct. The mapping rules are documented in models/core.hpp and in
the generated headers.

Responses mode needs three things the Assistants spec does not use:
- allOf with several parts (Response = ModelResponseProperties + ResponseProperties + own
  fields): the parts' properties are merged into one struct (a later part overrides a field of an
  earlier one; `required` is the union). An inline schema of a shared base is generated once,
  named after the base (response_properties_...), and reused by every struct that merges it.
- unions whose alternatives are unions (InputItem = EasyInputMessage | Item | ...): flattened
  into one variant, so an input item is input_item{function_call_output_item_param{...}}.
- several alternatives with one "type" value (InputMessage, OutputMessage and EasyInputMessage
  are all "message"): told apart by a second property whose enum values differ (`role`); a value
  no rule claims goes to the first such alternative in spec order. An object without "type" goes
  to the first alternative whose "type" is optional (EasyInputMessage), else to an untagged one.

Naming: a schema's C++ name is its name in snake_case (AssistantObject -> assistant_object,
OpenAIFile -> open_ai_file), except SCHEMA_NAMES (Error -> error_object). An inline object or enum is named after where it sits:
<owner>_<field> (run_object_required_action), array items add _item. Unions that occur in many
places get one shared name from UNION_NAMES. Field names are the spec's; a C++ keyword gets a
trailing underscore (static -> static_), the JSON name is unchanged.
"""
import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

CPP_KEYWORDS = set("""alignas alignof and and_eq asm auto bitand bitor bool break case catch char
char8_t char16_t char32_t class compl concept const consteval constexpr constinit const_cast continue
co_await co_return co_yield decltype default delete do double dynamic_cast else enum explicit export
extern false float for friend goto if inline int long mutable namespace new noexcept not not_eq
nullptr operator or or_eq private protected public register reinterpret_cast requires return short
signed sizeof static static_assert static_cast struct switch template this thread_local throw true
try typedef typeid typename union unsigned using virtual void volatile wchar_t while xor
xor_eq""".split()) | {"linux", "unix"}  # (and the macros g++ predefines in gnu++ modes)

# Unions used in several places share one name (keyed by the sorted alternative C++ names).
UNION_NAMES = {
    ("assistant_tools_code", "assistant_tools_file_search", "assistant_tools_function"): "assistant_tool",
    ("assistant_tools_code", "assistant_tools_file_search_type_only"): "attachment_tool",
    ("message_content_image_file_object", "message_content_image_url_object",
     "message_content_refusal_object", "message_content_text_object"): "message_content",
    ("message_delta_content_image_file_object", "message_delta_content_image_url_object",
     "message_delta_content_refusal_object", "message_delta_content_text_object"): "message_delta_content",
    ("message_content_image_file_object", "message_content_image_url_object",
     "message_request_content_text_object"): "message_request_content",
    ("message_content_text_annotations_file_citation_object",
     "message_content_text_annotations_file_path_object"): "message_content_text_annotation",
    ("message_delta_content_text_annotations_file_citation_object",
     "message_delta_content_text_annotations_file_path_object"): "message_delta_content_text_annotation",
    ("run_step_details_message_creation_object", "run_step_details_tool_calls_object"): "run_step_details",
    ("run_step_delta_step_details_message_creation_object",
     "run_step_delta_step_details_tool_calls_object"): "run_step_delta_details",
    ("run_step_details_tool_calls_code_object", "run_step_details_tool_calls_file_search_object",
     "run_step_details_tool_calls_function_object"): "run_step_tool_call",
    ("run_step_delta_step_details_tool_calls_code_object",
     "run_step_delta_step_details_tool_calls_file_search_object",
     "run_step_delta_step_details_tool_calls_function_object"): "run_step_delta_tool_call",
    ("run_step_details_tool_calls_code_output_image_object",
     "run_step_details_tool_calls_code_output_logs_object"): "run_step_code_output",
    ("run_step_delta_step_details_tool_calls_code_output_image_object",
     "run_step_delta_step_details_tool_calls_code_output_logs_object"): "run_step_delta_code_output",
    ("other_chunking_strategy_response_param", "static_chunking_strategy_response_param"): "chunking_strategy_response",
    ("comparison_filter", "compound_filter"): "search_filter",
}

# The stream event envelopes: events.hpp types them from stream_events.txt instead.
EVENT_WRAPPERS = {"AssistantStreamEvent", "ThreadStreamEvent", "RunStreamEvent", "RunStepStreamEvent",
                  "MessageStreamEvent", "ErrorEvent", "DoneEvent"}

# Method names of the operations inside their group (the client and the CLI use them).
METHOD_NAMES = {
    "listAssistants": "list", "createAssistant": "create", "getAssistant": "retrieve",
    "modifyAssistant": "update", "deleteAssistant": "delete",
    "createThread": "create", "getThread": "retrieve", "modifyThread": "update",
    "deleteThread": "delete", "createThreadAndRun": "create_and_run",
    "listMessages": "list", "createMessage": "create", "getMessage": "retrieve",
    "modifyMessage": "update", "deleteMessage": "delete",
    "listRuns": "list", "createRun": "create", "getRun": "retrieve", "modifyRun": "update",
    "cancelRun": "cancel", "submitToolOuputsToRun": "submit_tool_outputs",
    "listRunSteps": "list", "getRunStep": "retrieve",
    "listFiles": "list", "createFile": "create", "deleteFile": "delete", "retrieveFile": "retrieve",
    "downloadFile": "content",
    "createUpload": "create", "cancelUpload": "cancel", "completeUpload": "complete",
    "addUploadPart": "add_part",
    "listVectorStores": "list", "createVectorStore": "create", "getVectorStore": "retrieve",
    "modifyVectorStore": "update", "deleteVectorStore": "delete",
    "listVectorStoreFiles": "list", "createVectorStoreFile": "create",
    "getVectorStoreFile": "retrieve", "deleteVectorStoreFile": "delete",
    "updateVectorStoreFileAttributes": "update", "retrieveVectorStoreFileContent": "content",
    "createVectorStoreFileBatch": "create", "getVectorStoreFileBatch": "retrieve",
    "cancelVectorStoreFileBatch": "cancel", "listFilesInVectorStoreBatch": "list_files",
    "searchVectorStore": "search",
}

# Schema names whose snake_case would clash with hand-written names in coassist::api
# (api::error is the exception base class of <coassist/api/error.hpp>).
SCHEMA_NAMES = {"Error": "error_object"}

GROUPS = ["assistants", "threads", "messages", "runs", "run_steps", "files", "uploads",
          "vector_stores", "vector_store_files", "vector_store_file_batches", "vector_store_search"]

# ---- Responses + Conversations (mode "responses") ----
RESPONSES_UNION_NAMES = {
    # named after the schemas, not after the first place that happens to use them
    ("input_file_content", "input_image_content", "input_text_content"): "input_content",
    ("std::string", "std::vector<input_item>"): "input_param",
}
RESPONSES_SCHEMA_NAMES = {"Error": "error_object"}
# ResponseStreamEvent is typed by events.hpp (from response_stream_events.txt).
RESPONSES_EVENT_WRAPPERS = {"ResponseStreamEvent"}
RESPONSES_METHOD_NAMES = {
    "createResponse": "create", "getResponse": "retrieve", "deleteResponse": "delete",
    "cancelResponse": "cancel", "listInputItems": "list", "Getinputtokencounts": "count",
    "Compactconversation": "compact",
    "createConversation": "create", "getConversation": "retrieve", "updateConversation": "update",
    "deleteConversation": "delete",
    "createConversationItems": "create", "listConversationItems": "list",
    "getConversationItem": "retrieve", "deleteConversationItem": "delete",
}
# Inline request bodies get these names (the spec gives them none).
RESPONSES_INLINE_BODIES = {"createConversationItems": "CreateConversationItemsBody"}
RESPONSES_GROUPS = ["responses", "input_items", "input_tokens", "conversations",
                    "conversation_items"]


def responses_group_of(path, op_id):
    if path == "/responses/input_tokens":
        return "input_tokens"
    if path.startswith("/responses"):
        return "input_items" if path.endswith("/input_items") else "responses"
    if path.startswith("/conversations"):
        return "conversation_items" if "/items" in path else "conversations"
    raise SystemExit("no group for %s" % path)


class Mode:
    def __init__(self, **kw):
        self.__dict__.update(kw)


MODES = {
    "assistants": Mode(
        name="assistants", ns="api", title="OpenAI Assistants v2", events_file="stream_events.txt",
        union_names=UNION_NAMES, schema_names=SCHEMA_NAMES, event_wrappers=EVENT_WRAPPERS,
        method_names=METHOD_NAMES, inline_bodies={}, include_dir="coassist/api"),
    "responses": Mode(
        name="responses", ns="responses", title="OpenAI Responses + Conversations",
        events_file="response_stream_events.txt", union_names=RESPONSES_UNION_NAMES,
        schema_names=RESPONSES_SCHEMA_NAMES, event_wrappers=RESPONSES_EVENT_WRAPPERS,
        method_names=RESPONSES_METHOD_NAMES, inline_bodies=RESPONSES_INLINE_BODIES,
        include_dir="coassist/responses"),
}
M = MODES["assistants"]  # the mode of this run (set by main)


def header_note():
    return ("// GENERATED by scripts/gen_models.py from the %s OpenAPI spec.\n"
            "// Do not edit: change the generator and run it again (a test fails when this is stale).\n"
            % M.title)


def qual():
    """The namespace prefix of generated type names ("api::", "responses::")."""
    return M.ns + "::"


def dqual():
    """How generated code names the shared runtime's detail namespace."""
    return "detail::" if M.ns == "api" else "api::detail::"


def schema_cpp_name(schema_name):
    return M.schema_names.get(schema_name, snake(schema_name))


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return re.sub(r"[^A-Za-z0-9]+", "_", s).lower()  # MessagePhase-2 -> message_phase_2


def member_name(name):
    return name + "_" if name in CPP_KEYWORDS else name


def enum_ident(value):
    s = re.sub(r"[^A-Za-z0-9]+", "_", value).strip("_").lower()
    if not s or s[0].isdigit():
        s = "v_" + s
    return s + "_" if s in CPP_KEYWORDS else s


def cstr(s):
    return json.dumps(s)


def first_sentence(text, limit=110):
    if not text:
        return ""
    text = " ".join(text.split())
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # markdown links -> their text
    m = re.match(r"(.+?\.)(\s|$)", text)
    s = m.group(1) if m else text
    if len(s) > limit:
        s = s[: limit - 3].rstrip() + "..."
    return s


# ---- type references: ('prim', cpp) | ('named', name) | ('vector', t) | ('map', t) ----
def cpp_type(t):
    kind = t[0]
    if kind == "prim":
        return t[1]
    if kind == "named":
        return qual() + t[1]
    if kind == "vector":
        return "std::vector<%s>" % cpp_type(t[1])
    if kind == "map":
        return "std::map<std::string, %s>" % cpp_type(t[1])
    raise ValueError(t)


def value_deps(t):
    """Named types that must be complete before a member of type t (vector allows incomplete)."""
    if t[0] == "named":
        return {t[1]}
    if t[0] == "map":
        return value_deps(t[1])
    return set()


class Struct:
    def __init__(self, name, doc):
        self.name, self.doc, self.fields = name, doc, []  # fields: (json, member, type, required, nullable, const)


class Enum:
    def __init__(self, name, values, doc):
        self.name, self.values, self.doc = name, values, doc


class Union:
    def __init__(self, name, alts, doc):
        self.name, self.alts, self.doc = name, alts, doc  # alts: list of type refs


class Alias:
    def __init__(self, name, target, doc):
        self.name, self.target, self.doc = name, target, doc


class Generator:
    def __init__(self, spec):
        self.spec = spec
        self.schemas = spec["components"]["schemas"]
        self.defs = {}  # name -> Struct/Enum/Union/Alias
        self.order = []  # definition names in creation order
        self.schema_types = {}  # schema name -> (type ref, nullable)
        self.union_by_sig = {}
        self.inline_memo = {}  # id(inline schema) -> resolve() result (shared allOf bases)
        self.clash_cache = {}
        self.warnings = []

    def add(self, d):
        if d.name in self.defs:
            raise SystemExit("duplicate C++ name %s" % d.name)
        self.defs[d.name] = d
        self.order.append(d.name)

    # Returns (type ref, nullable, const string or None).
    def resolve(self, sch, ctx, recursive_root=None):
        if "$ref" in sch:
            return self.resolve_ref(sch["$ref"].split("/")[-1]) + (None,)
        if "$recursiveRef" in sch:
            return (("named", schema_cpp_name(recursive_root)), False, None)
        # An inline schema reached twice (a property of an allOf base merged into several structs)
        # is generated once.
        key = id(sch)
        if key in self.inline_memo:
            return self.inline_memo[key]
        r = self.resolve_inline(sch, ctx, recursive_root)
        self.inline_memo[key] = r
        return r

    def resolve_inline(self, sch, ctx, recursive_root):
        nullable = bool(sch.get("nullable"))
        if "allOf" in sch:
            parts = [p for p in sch["allOf"] if set(p) - {"nullable", "description"}]
            nullable = nullable or any(p.get("nullable") for p in sch["allOf"])
            if len(parts) > 1:
                return ("named", self.make_merged_struct(sch, ctx, recursive_root)), nullable, None
            if len(parts) != 1:
                raise SystemExit("unsupported allOf at %s" % ctx)
            t, n, c = self.resolve(parts[0], ctx, recursive_root)
            return t, n or nullable, c
        alts_key = "oneOf" if "oneOf" in sch else "anyOf" if "anyOf" in sch else None
        if alts_key and not sch.get("properties"):
            alts = [a for a in sch[alts_key] if a.get("type") != "null"]
            nullable = nullable or len(alts) != len(sch[alts_key])
            if len(alts) == 1:
                t, n, c = self.resolve(alts[0], ctx, recursive_root)
                return t, n or nullable, c
            return self.make_union(alts, ctx, sch.get("description"), recursive_root), nullable, None
        typ = sch.get("type")
        if isinstance(typ, list):
            nullable = nullable or "null" in typ
            rest = [x for x in typ if x != "null"]
            typ = rest[0] if len(rest) == 1 else None
        if typ == "string" and "enum" in sch:
            if len(sch["enum"]) == 1:
                return ("prim", "std::string"), nullable, sch["enum"][0]
            if ctx not in self.defs:
                self.add(Enum(ctx, sch["enum"], first_sentence(sch.get("description"))))
            return ("named", ctx), nullable, None
        if typ == "string":
            return ("prim", "std::string"), nullable, None
        if typ == "integer":
            return ("prim", "std::int64_t"), nullable, None
        if typ == "number":
            return ("prim", "double"), nullable, None
        if typ == "boolean":
            return ("prim", "bool"), nullable, None
        if typ == "array":
            t, n, _ = self.resolve(sch.get("items", {}), ctx + "_item", recursive_root)
            if n:
                t = ("prim", "json::value")  # arrays of nullable items do not occur in the spec
            return ("vector", t), nullable, None
        if typ == "object" or "properties" in sch:
            if sch.get("properties"):
                return ("named", self.make_struct(sch, ctx, recursive_root)), nullable, None
            ap = sch.get("additionalProperties")
            if isinstance(ap, dict) and ap:
                t, n, _ = self.resolve(ap, ctx + "_value", recursive_root)
                return ("map", t), nullable, None
            return ("prim", "json::object"), nullable, None
        if not sch or typ is None:
            return ("prim", "json::value"), nullable, None
        raise SystemExit("unsupported schema at %s: %r" % (ctx, sch))

    def resolve_ref(self, schema_name):
        if schema_name not in self.schema_types:
            self.schema_types[schema_name] = None  # in progress (recursion guard)
            sch = self.schemas[schema_name]
            name = schema_cpp_name(schema_name)
            t, n, c = self.resolve(sch, name, schema_name)
            if t[0] != "named" or t[1] != name:
                # a schema that is a primitive, map or a shared union: give it its spec name too
                if name not in self.defs:
                    self.add(Alias(name, t, first_sentence(sch.get("description"))))
                if isinstance(self.defs[name], Alias):
                    t = ("named", name)
            self.schema_types[schema_name] = (t, n)
        r = self.schema_types[schema_name]
        if r is None:
            return ("named", schema_cpp_name(schema_name)), False
        return r

    def make_struct(self, sch, name, recursive_root):
        props = [(prop, psch, name) for prop, psch in sch["properties"].items()]
        return self.make_struct_from(name, sch.get("description"), props, set(sch.get("required", [])),
                                     recursive_root)

    def make_struct_from(self, name, doc, props, required, recursive_root):
        if name in self.defs:
            raise SystemExit("two inline objects named %s" % name)
        st = Struct(name, first_sentence(doc))
        self.defs[name] = st  # placeholder for recursion; appended to order once complete
        for prop, psch, owner in props:
            t, n, c = self.resolve(psch, owner + "_" + prop, recursive_root)
            st.fields.append((prop, member_name(prop), t, prop in required, n, c))
        self.order.append(name)
        return name

    # allOf of several object parts: one struct with every part's properties.
    def collect_properties(self, sch, owner):
        """(ordered {prop: (schema, owner name)}, required set, description) of an object schema,
        allOf parts merged; `owner` names the inline schemas of its properties."""
        if "$ref" in sch:
            base = sch["$ref"].split("/")[-1]
            return self.collect_properties(self.schemas[base], schema_cpp_name(base))
        if "allOf" in sch:
            props, required, doc = {}, set(), sch.get("description")
            for part in sch["allOf"]:
                if not set(part) - {"nullable", "description"}:
                    continue
                p, r, d = self.collect_properties(part, owner)
                for k, v in p.items():
                    props[k] = v  # a later part overrides an earlier one, at its first position
                required |= r
                doc = doc or d
            return props, required, doc
        if (sch.get("oneOf") or sch.get("anyOf")) and not sch.get("properties"):
            raise SystemExit("allOf over a union at %s is not supported" % owner)
        return ({k: (v, owner) for k, v in sch.get("properties", {}).items()},
                set(sch.get("required", [])), sch.get("description"))

    def make_merged_struct(self, sch, name, recursive_root):
        props, required, doc = self.collect_properties(sch, name)
        return self.make_struct_from(name, doc, [(k, v, o) for k, (v, o) in props.items()], required,
                                     recursive_root)

    def make_union(self, alts, ctx, doc, recursive_root):
        resolved = []
        for i, a in enumerate(alts):
            t, n, c = self.resolve(a, ctx + "_" + self.alt_suffix(a, i), recursive_root)
            # a union of object unions is flattened: one variant, no nesting
            if t[0] == "named" and isinstance(self.defs.get(t[1]), Union) and \
                    all(self.json_kind(x) == "object" for x in self.defs[t[1]].alts):
                resolved.extend(self.defs[t[1]].alts)
            else:
                resolved.append(t)
        # strings and string enums together: a plain string covers them all
        if all(self.is_stringy(t) for t in resolved):
            return ("prim", "std::string")
        uniq = []
        for t in resolved:
            if t not in uniq:
                uniq.append(t)
        sig = tuple(sorted(cpp_type(t).replace(qual(), "") for t in uniq))
        if sig in self.union_by_sig:
            return ("named", self.union_by_sig[sig])
        name = M.union_names.get(sig, ctx)
        self.union_by_sig[sig] = name
        self.add(Union(name, uniq, first_sentence(doc)))
        return ("named", name)

    def is_stringy(self, t):
        """A plain string, a string enum, or an alias of one of them."""
        if t == ("prim", "std::string"):
            return True
        d = self.defs.get(t[1]) if t[0] == "named" else None
        return isinstance(d, Enum) or (isinstance(d, Alias) and self.is_stringy(d.target))

    def alt_suffix(self, a, i):
        typ = a.get("type")
        if typ == "string":
            return "string"
        if typ in ("array", "number", "boolean", "integer"):
            return typ
        type_enum = a.get("properties", {}).get("type", {}).get("enum", [])
        if len(type_enum) == 1:
            return enum_ident(type_enum[0]).rstrip("_")  # an inline object named by its "type"
        return "alt%d" % i

    # ---- classification used by union codecs ----
    def json_kind(self, t):
        if t[0] == "prim":
            return {"std::string": "string", "std::int64_t": "integer", "double": "number",
                    "bool": "bool", "json::object": "object", "json::value": "any"}[t[1]]
        if t[0] == "vector":
            return "array"
        if t[0] == "map":
            return "object"
        d = self.defs[t[1]]
        if isinstance(d, Enum):
            return "string"
        if isinstance(d, Alias):
            return self.json_kind(d.target)
        if isinstance(d, Union):
            return "any"
        return "object"

    def discriminators(self, t, prop="type"):
        """The values `prop` (a const or an enum field) can take in struct t; [] if not such."""
        if t[0] != "named" or not isinstance(self.defs[t[1]], Struct):
            return []
        for p, _m, ft, _r, _n, c in self.defs[t[1]].fields:
            if p == prop:
                if c is not None:
                    return [c]
                if ft[0] == "named" and isinstance(self.defs[ft[1]], Enum):
                    return list(self.defs[ft[1]].values)
        return []

    def type_clashes(self, d):
        """{type value: (second property, [(alternative, its values of that property)])} for the
        "type" values that several alternatives of union d share (first alternative wins ties)."""
        if d.name in self.clash_cache:
            return self.clash_cache[d.name]
        by_value = {}
        for t in d.alts:
            for v in self.discriminators(t):
                by_value.setdefault(v, []).append(t)
        out = {}
        for v, ts in by_value.items():
            if len(ts) < 2:
                continue
            best = None
            for prop, _m, _t, _r, _n, _c in self.defs[ts[0][1]].fields:
                if prop != "type" and all(self.discriminators(t, prop) for t in ts):
                    best = prop
                    break
            if best is None:
                self.warnings.append("union %s: type %s is ambiguous; the first alternative wins" % (d.name, v))
                out[v] = (None, [(ts[0], [])])
                continue
            claimed, rules = set(), []
            for t in ts:
                mine = [x for x in self.discriminators(t, best) if x not in claimed]
                claimed |= set(mine)
                rules.append((t, mine))
            out[v] = (best, rules)
        self.clash_cache[d.name] = out
        return out

    def type_is_optional(self, t):
        """True when struct t has a "type" field that is not required."""
        if t[0] != "named" or not isinstance(self.defs[t[1]], Struct):
            return False
        return any(p == "type" and not r for p, _m, _t, r, _n, _c in self.defs[t[1]].fields)

    def run(self):
        for name in self.schemas:
            if name not in M.event_wrappers:
                self.resolve_ref(name)


# ---------------------------------------------------------------- emit models.hpp
def topo_order(gen):
    deps = {}
    for name in gen.order:
        d = gen.defs[name]
        s = set()
        if isinstance(d, Struct):
            for f in d.fields:
                s |= value_deps(f[2])
        elif isinstance(d, Union):
            for t in d.alts:
                s |= value_deps(t)
        elif isinstance(d, Alias):
            s |= value_deps(d.target)
        deps[name] = s - {name}
    out, done, visiting = [], set(), set()

    def visit(n):
        if n in done:
            return
        if n in visiting:
            raise SystemExit("by-value cycle through %s" % n)
        visiting.add(n)
        for m in sorted(deps[n]):
            visit(m)
        visiting.discard(n)
        done.add(n)
        out.append(n)

    for n in gen.order:
        visit(n)
    return out


def is_arithmetic(gen, t):
    while t[0] == "named" and isinstance(gen.defs[t[1]], Alias):
        t = gen.defs[t[1]].target
    return t[0] == "prim" and t[1] in ("std::int64_t", "double", "bool")


def field_type(f):
    _prop, _m, t, required, nullable, _c = f
    base = cpp_type(t)
    if nullable:
        base = "nullable<%s>" % base
    if not required:
        base = "std::optional<%s>" % base
    return base


def emit_models(gen):
    order = topo_order(gen)
    L = []
    w = L.append
    w(header_note())
    if M.ns == "api":
        w("""// The typed models of the Assistants v2 API: one struct per object schema of the spec, in
// namespace coassist::api, with JSON codecs (json::value_from / json::value_to, api::to_json /
// api::from_json). Field names are the spec's. Mapping rules: see <coassist/api/models/core.hpp>.
#pragma once

#include <coassist/api/models/core.hpp>

namespace coassist::api {
""")
    else:
        w("""// The typed models of the Responses and Conversations API: one struct per object schema of the
// spec, in namespace coassist::responses, with JSON codecs (json::value_from / json::value_to,
// responses::to_json / responses::from_json). Field names are the spec's. Mapping rules: see
// <coassist/api/models/core.hpp>; allOf, nested unions and shared "type" values: see
// scripts/gen_models.py. This header does not include the Assistants models.
#pragma once

#include <coassist/api/models/core.hpp>

namespace coassist::responses {

// The model runtime shared with coassist::api (one nullable, basic_enum, unknown_json...).
using api::basic_enum;
using api::decode_error;
using api::from_json;
using api::nullable;
using api::tag_invoke; // json::value_from / value_to find it through this namespace
using api::to_json;
using api::try_from_json;
using api::unknown_json;
""")
    structs = [n for n in order if isinstance(gen.defs[n], (Struct, Union))]
    w("// ---- forward declarations ----")
    for n in structs:
        w("struct %s;" % n)
    w("")
    for n in order:
        d = gen.defs[n]
        if isinstance(d, Enum):
            if d.doc:
                w("// %s" % d.doc)
            w("struct %s : basic_enum<%s> {" % (n, n))
            w("  using basic_enum::basic_enum;")
            idents = [enum_ident(v) for v in d.values]
            if len(set(idents)) != len(idents):
                raise SystemExit("enum constant clash in %s" % n)
            for ident, v in zip(idents, d.values):
                w("  static constexpr std::string_view %s{%s};" % (ident, cstr(v)))
            w("  static constexpr std::array<std::string_view, %d> known_values{%s};" %
              (len(idents), ", ".join(idents)))
            w("};\n")
        elif isinstance(d, Alias):
            if d.doc:
                w("// %s" % d.doc)
            w("using %s = %s;\n" % (n, cpp_type(d.target)))
        elif isinstance(d, Union):
            alts = [cpp_type(t) for t in d.alts] + ["api::unknown_json"]
            clashes = gen.type_clashes(d)
            if d.doc:
                w("// %s" % d.doc)
            disc = []
            for t in d.alts:
                vals = gen.discriminators(t)
                if vals:
                    disc.append("%s (type %s)" % (cpp_type(t).replace(qual(), ""), "|".join(vals)))
            if disc:
                w("// Told apart by \"type\": %s." % "; ".join(disc))
                for value, (prop, rules) in clashes.items():
                    by = "; ".join("%s (%s)" % (cpp_type(t).replace(qual(), ""), "|".join(vals))
                                   for t, vals in rules if vals)
                    w("// \"type\" %s: %s otherwise %s." % (
                        value, ("by \"%s\": %s;" % (prop, by)) if by else "",
                        cpp_type(rules[0][0]).replace(qual(), "")))
                for t in d.alts:
                    if gen.type_is_optional(t):
                        w("// No \"type\": %s." % cpp_type(t).replace(qual(), ""))
                        break
            else:
                w("// Told apart by JSON kind.")
            w("struct %s : std::variant<%s> {" % (n, ", ".join(alts)))
            w("  using variant::variant;")
            w("  using variant::operator=;")
            w("  static constexpr bool coassist_model = true;")
            w("};\n")
        elif isinstance(d, Struct):
            if d.doc:
                w("// %s" % d.doc)
            w("struct %s {" % n)
            for f in d.fields:
                prop, m, t, required, nullable, c = f
                init = ""
                if c is not None and required and not nullable:
                    init = "{%s}" % cstr(c)
                elif required and not nullable and is_arithmetic(gen, t):
                    init = "{}"
                w("  %s %s%s;" % (field_type(f), m, init))
            w("  json::object extra; // fields the spec does not know, kept for re-encoding")
            if any(f[3] for f in d.fields):
                w("  std::uint64_t missing = 0; // bit i: required field i was absent when decoded")
            w("  static constexpr bool coassist_model = true;")
            w("};\n")
    # codec declarations
    w("// ---- JSON codecs (found by argument-dependent lookup from the core templates) ----")
    for n in structs:
        w("COASSIST_MODELS_DECL void decode(const json::value& v, %s& out, const %spath_node& at);" % (n, dqual()))
        w("COASSIST_MODELS_DECL json::value encode(const %s& x);" % n)
    w("")
    w("} // namespace coassist::%s" % M.ns)
    w("""
// The codec definitions are the expensive part to compile: with COASSIST_SEPARATE_COMPILATION
// they are compiled once, in the translation unit that includes <%s/models/src.hpp>.
#ifndef COASSIST_SEPARATE_COMPILATION
#include <%s/models/impl/models.ipp>
#endif""" % (M.include_dir, M.include_dir))
    header = "\n".join(L) + "\n"
    L.clear()
    w(header_note())
    w("""// The JSON codecs of the models (see models.hpp).
#pragma once

#include <%s/models/models.hpp>

namespace coassist::%s {
""" % (M.include_dir, M.ns))
    for n in structs:
        d = gen.defs[n]
        if isinstance(d, Struct):
            emit_struct_codec(w, d)
        else:
            emit_union_codec(w, gen, d)
    w("} // namespace coassist::%s" % M.ns)
    return header, "\n".join(L) + "\n"


def emit_struct_codec(w, d):
    n, D = d.name, dqual()
    w("COASSIST_MODELS_DECL void decode(const json::value& v, %s& out, const %spath_node& at) {" % (n, D))
    w("  const json::object& o = %sexpect_object(v, at);" % D)
    w("  out.extra.clear();")
    if len(d.fields) > 64:
        raise SystemExit("%s: more than 64 fields" % n)
    if any(f[3] for f in d.fields):
        w("  out.missing = 0;")
    for i, (prop, m, t, required, nullable, c) in enumerate(d.fields):
        if required:
            w("  %sread_required(o, %s, out.%s, out.missing, %d, out.extra, at);" % (D, cstr(prop), m, i))
        else:
            w("  %sread_optional(o, %s, out.%s, out.extra, at);" % (D, cstr(prop), m))
    known = ", ".join(cstr(f[0]) for f in d.fields)
    w("  static constexpr std::array<std::string_view, %d> known{%s};" % (len(d.fields), known))
    w("  %scollect_extra(o, known, out.extra);" % D)
    w("}")
    w("COASSIST_MODELS_DECL json::value encode(const %s& x) {" % n)
    w("  json::object o;")
    for i, (prop, m, t, required, nullable, c) in enumerate(d.fields):
        if required:
            w("  %swrite_field(o, %s, x.%s, x.missing, %d);" % (D, cstr(prop), m, i))
        else:
            w("  %swrite_field(o, %s, x.%s);" % (D, cstr(prop), m))
    w("  %swrite_extra(o, x.extra);" % D)
    w("  return o;")
    w("}\n")


def emit_union_codec(w, gen, d):
    n, D = d.name, dqual()
    w("COASSIST_MODELS_DECL void decode(const json::value& v, %s& out, const %spath_node& at) {" % (n, D))
    by_kind = {}
    for t in d.alts:
        by_kind.setdefault(gen.json_kind(t), []).append(t)

    def assign(t, indent):
        ct = cpp_type(t)
        w("%s%s alt{};" % (indent, ct))
        w("%sdecode(v, alt, at);" % indent)
        w("%sout = std::move(alt);" % indent)
        w("%sreturn;" % indent)

    objs = by_kind.get("object", [])
    if objs:
        w("  if (const json::object* o = v.if_object()) {")
        tagged = [(t, gen.discriminators(t)) for t in objs]
        untagged = [t for t, vals in tagged if not vals]
        clashes = gen.type_clashes(d)
        if any(vals for _t, vals in tagged):
            w("    const std::string_view type = %sdiscriminator(*o, \"type\");" % D)
            for t, vals in tagged:
                vals = [x for x in vals if x not in clashes]
                if not vals:
                    continue
                cond = " || ".join("type == %s" % cstr(x) for x in vals)
                w("    if (%s) {" % cond)
                assign(t, "      ")
                w("    }")
            for value, (prop, rules) in clashes.items():
                w("    if (type == %s) {" % cstr(value))
                if prop is not None:
                    var = member_name(prop) + "_value"
                    w("      const std::string_view %s = %sdiscriminator(*o, %s);" % (var, D, cstr(prop)))
                    for t, vals in rules:
                        if vals:
                            w("      if (%s) {" % " || ".join("%s == %s" % (var, cstr(x)) for x in vals))
                            assign(t, "        ")
                            w("      }")
                w("      {")
                assign(rules[0][0], "        ")
                w("      }")
                w("    }")
            optional = [t for t, _v in tagged if gen.type_is_optional(t)]
            if optional:
                w("    if (type.empty()) {")
                assign(optional[0], "      ")
                w("    }")
        else:
            w("    (void)o;")
        if untagged:
            if len(untagged) > 1:
                gen.warnings.append("union %s: several untagged object alternatives" % n)
            w("    {")
            assign(untagged[0], "      ")
            w("    }")
        w("  }")
    checks = [("string", "v.is_string()"), ("integer", "v.is_int64() || v.is_uint64()"),
              ("number", "v.is_number()"), ("bool", "v.is_bool()"), ("array", "v.is_array()")]
    for kind, cond in checks:
        for t in by_kind.get(kind, [])[:1]:
            w("  if (%s) {" % cond)
            assign(t, "    ")
            w("  }")
    if by_kind.get("any"):
        gen.warnings.append("union %s: an alternative of unknown JSON kind is never chosen" % n)
    w("  out = unknown_json{v};")
    w("}")
    w("COASSIST_MODELS_DECL json::value encode(const %s& x) {" % n)
    w("  return std::visit(")
    w("      [](const auto& alt) {")
    w("        using %sencode; // primitives; models are found by argument-dependent lookup" % D)
    w("        return json::value(encode(alt));")
    w("      },")
    w("      static_cast<const %s::variant&>(x));" % n)
    w("}\n")


# ---------------------------------------------------------------- operations.hpp
def group_of(path, op_id):
    if path.startswith("/files"):
        return "files"
    if path.startswith("/uploads"):
        return "uploads"
    if path.startswith("/assistants"):
        return "assistants"
    if path.startswith("/vector_stores"):
        if "/file_batches" in path:
            return "vector_store_file_batches"
        if "/files" in path:
            return "vector_store_files"
        if path.endswith("/search"):
            return "vector_store_search"
        return "vector_stores"
    if path.startswith("/threads"):
        if "/steps" in path:
            return "run_steps"
        if path == "/threads/runs":
            return "threads"
        if "/runs" in path:
            return "runs"
        if "/messages" in path:
            return "messages"
        return "threads"
    raise SystemExit("no group for %s" % path)


def query_type(sch):
    t = sch.get("type", "string")
    if t == "array":
        return "array of " + sch.get("items", {}).get("type", "string")
    return t


def collect_operations(gen):
    ops = []
    for path, item in gen.spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            params = op.get("parameters", [])
            path_params = [p["name"] for p in params if p["in"] == "path"]
            query = [(p["name"], query_type(p.get("schema", {})), bool(p.get("required")))
                     for p in params if p["in"] == "query"]
            req_schema, req_type, content_type, stream = "", "", "", False
            body = op.get("requestBody")
            if body:
                content_type, media = next(iter(body["content"].items()))
                msch = media.get("schema", {})
                ref = msch.get("$ref")
                if ref:
                    req_schema = ref.split("/")[-1]
                    t, _n = gen.resolve_ref(req_schema)
                    req_type = cpp_type(t).replace(qual(), "")
                    props, _r, _d = gen.collect_properties(gen.schemas[req_schema], req_schema)
                    stream = "stream" in props
                elif msch:
                    # an inline body: named by the mode (the spec gives it no schema name)
                    t, _n, _c = gen.resolve(msch, schema_cpp_name(M.inline_bodies[op["operationId"]]))
                    req_type = cpp_type(t).replace(qual(), "")
                    stream = "stream" in msch.get("properties", {})
            resp = op["responses"]["200"].get("content", {})
            resp_ct, resp_media = next(iter(resp.items())) if resp else ("", {})
            ref = resp_media.get("schema", {}).get("$ref")
            if ref:
                resp_schema = ref.split("/")[-1]
                t, _n = gen.resolve_ref(resp_schema)
                resp_type = cpp_type(t).replace(qual(), "")
            elif resp:
                resp_schema, resp_type = "", "std::string"  # file content: raw bytes
            else:
                resp_schema, resp_type = "", "void"  # no body declared (deleteResponse)
            if M.ns == "api":
                group = group_of(path, op["operationId"])
                beta = group not in ("files", "uploads")
            else:
                group, beta = responses_group_of(path, op["operationId"]), False
            ops.append(dict(id=op["operationId"], method=method.upper(), path=path,
                            path_params=path_params, query=query, req_schema=req_schema,
                            req_type=req_type, content_type=content_type, resp_schema=resp_schema,
                            resp_type=resp_type, group=group, method_name=M.method_names[op["operationId"]],
                            beta=beta, stream=stream,
                            deprecated=bool(op.get("deprecated")),
                            summary=first_sentence(op.get("summary") or op.get("description"))))
    return ops


def emit_operations(ops):
    L = []
    w = L.append
    w(header_note())
    if M.ns != "api":
        w("""// The %d operations of the Responses and Conversations API as a constexpr table of
// api::operation_info (<coassist/api/operations.hpp>), so client.call / call_as / open take them as
// they take the Assistants ones. None sends the OpenAI-Beta header. Light: includes no models.
#pragma once

#include <coassist/api/operations.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace coassist::responses {

using api::operation_group;
using api::operation_info;
using api::query_parameter;
""" % len(ops))
        return emit_operations_table(L, ops)
    w("""// The 48 operations of the Assistants v2 API as a constexpr table: what the client and the CLI
// need to build a request (method, path template and its parameters, query parameters, the
// request and response model names, the OpenAI-Beta header, streaming, content type).
// This header is light: it does not include the models (see <coassist/api/models/models.hpp>).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace coassist::api {

// The groups of both tables: these operations and coassist::responses::operations
// (<coassist/responses/operations.hpp>).
enum class operation_group {""")
    for g in GROUPS + RESPONSES_GROUPS:
        w("  %s," % g)
    w("};\n")
    w("constexpr std::string_view to_string(operation_group g) noexcept {")
    w("  switch (g) {")
    for g in GROUPS + RESPONSES_GROUPS:
        w("  case operation_group::%s: return %s;" % (g, cstr(g)))
    w("  }")
    w("  return {};")
    w("}\n")
    w("""struct query_parameter {
  std::string_view name; // as sent, e.g. "include[]"
  std::string_view type; // "integer", "string", "array of string"
  bool required;
};

struct operation_info {
  std::string_view operation_id;    // the spec's (sic: "submitToolOuputsToRun")
  std::string_view http_method;     // "GET", "POST", "DELETE"
  std::string_view path_template;   // "/threads/{thread_id}/runs", relative to the base URL
  std::span<const std::string_view> path_parameters; // in path order
  std::span<const query_parameter> query_parameters;
  std::string_view request_schema;  // spec schema name, "" when there is no body
  std::string_view request_type;    // the model's type name, "" when there is no body
  std::string_view request_content_type; // "application/json", "multipart/form-data" or ""
  std::string_view response_schema; // "" for raw content (downloadFile) or no body
  std::string_view response_type;   // the model's type name ("std::string" for raw content,
                                    // "void" when the spec declares no body: deleteResponse)
  operation_group group;
  std::string_view method_name;     // inside the group: "create", "list", "create_and_run", ...
  bool sends_assistants_beta;       // OpenAI-Beta: assistants=v2
  bool takes_stream;                // the body has "stream" (answers text/event-stream if true)
  bool deprecated;
  std::string_view summary;
};
""")
    return emit_operations_table(L, ops)


def emit_operations_table(L, ops):
    w = L.append
    w("namespace detail::operations_data {")
    for i, op in enumerate(ops):
        if op["path_params"]:
            w("inline constexpr std::array<std::string_view, %d> path_%d{%s};" %
              (len(op["path_params"]), i, ", ".join(cstr(p) for p in op["path_params"])))
        if op["query"]:
            w("inline constexpr std::array<query_parameter, %d> query_%d{{%s}};" %
              (len(op["query"]), i, ", ".join("{%s, %s, %s}" % (cstr(n), cstr(t), "true" if r else "false")
                                             for n, t, r in op["query"])))
    w("} // namespace detail::operations_data\n")
    w("inline constexpr std::array<operation_info, %d> operations{{" % len(ops))
    for i, op in enumerate(ops):
        pp = "detail::operations_data::path_%d" % i if op["path_params"] else "{}"
        qq = "detail::operations_data::query_%d" % i if op["query"] else "{}"
        w("    {%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, operation_group::%s, %s, %s, %s, %s,\n     %s}," % (
            cstr(op["id"]), cstr(op["method"]), cstr(op["path"]), pp, qq, cstr(op["req_schema"]),
            cstr(op["req_type"]), cstr(op["content_type"]), cstr(op["resp_schema"]), cstr(op["resp_type"]),
            op["group"], cstr(op["method_name"]), b(op["beta"]), b(op["stream"]), b(op["deprecated"]),
            cstr(op["summary"])))
    w("}};\n")
    w("""// The operation with this operationId, or nullptr.
constexpr const operation_info* find_operation(std::string_view operation_id) noexcept {
  for (const operation_info& op : operations)
    if (op.operation_id == operation_id) return &op;
  return nullptr;
}

// The operation of a group and method name ("runs", "create"), or nullptr.
constexpr const operation_info* find_operation(operation_group group,
                                               std::string_view method_name) noexcept {
  for (const operation_info& op : operations)
    if (op.group == group && op.method_name == method_name) return &op;
  return nullptr;
}

""")
    if M.ns != "api":
        w("""// The table entry of an operation, checked at compile time (as coassist::operation for the
// Assistants table; it searches by index for the same g++ 12 ASan reason).
consteval const operation_info& operation(std::string_view operation_id) {
  for (std::size_t i = 0; i < operations.size(); ++i)
    if (operations[i].operation_id == operation_id) return operations[i];
  throw "coassist: no such operationId in the Responses table";
}
""")
    w("} // namespace coassist::%s" % M.ns)
    return "\n".join(L) + "\n"


def b(x):
    return "true" if x else "false"


def emit_operation_types(ops):
    L = []
    w = L.append
    w(header_note())
    w("""// Compile-time view of each operation: ops::create_run::request / ::response are the model
// types, ::info the row of the operations table. For the typed client.
#pragma once

#include <%s/models/models.hpp>
#include <%s/operations.hpp>

namespace coassist::%s::ops {
""" % (M.include_dir, M.include_dir, M.ns))
    for i, op in enumerate(ops):
        name = snake(op["id"])
        req = (qual() + op["req_type"]) if op["req_type"] else "void"
        resp = op["resp_type"] if op["resp_type"] in ("std::string", "void") else qual() + op["resp_type"]
        w("struct %s {" % name)
        w("  using request = %s;" % req)
        w("  using response = %s;" % resp)
        w("  static constexpr const operation_info& info = operations[%d];" % i)
        w("};")
    w("""
// Calls f(ops::X{}) for the operation whose operationId is `operation_id` and returns true,
// or returns false when there is none: runtime dispatch to the typed view (CLI, tests).
template <class F> bool visit_operation(std::string_view operation_id, F&& f) {""")
    for op in ops:
        w("  if (operation_id == %s) {" % cstr(op["id"]))
        w("    f(%s{});" % snake(op["id"]))
        w("    return true;")
        w("  }")
    w("  return false;")
    w("}")
    w("\n} // namespace coassist::%s::ops" % M.ns)
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------- events.hpp
def emit_events(gen, events_path):
    events = []
    for line in open(events_path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        name, data_schema, _wrapper, desc = line.rstrip("\n").split("\t")
        events.append((name, data_schema, first_sentence(desc)))
    L = []
    w = L.append
    w(header_note())
    w("""// The server-sent events of a streamed run, typed: one struct per event name with the name as
// a constant and `data` decoded into its model; `stream_event` is the variant of all of them plus
// unknown_event (a name this version does not know: kept raw, never a failure).
#pragma once

#include <coassist/api/models/models.hpp>

#include <boost/json/parse.hpp>

#include <system_error>

namespace coassist::api {
""")
    names = []
    for name, data_schema, desc in events:
        sname = name.replace(".", "_") + "_event"
        names.append((name, sname, data_schema))
        w("// %s" % desc)
        w("struct %s {" % sname)
        w("  static constexpr std::string_view name{%s};" % cstr(name))
        if data_schema.startswith("literal"):
            w("  std::string data{\"[DONE]\"}; // the literal data of the last event")
        else:
            t, _n = gen.resolve_ref(data_schema)
            w("  %s data;" % cpp_type(t))
        w("};\n")
    w("""// An event this version does not know: its name and its data (parsed JSON when it parsed,
// else the text as a JSON string).
struct unknown_event {
  std::string name;
  json::value data;
};
""")
    w("using stream_event = std::variant<%s, unknown_event>;\n" % ", ".join(s for _n, s, _d in names))
    w("""// The event name of any stream event.
inline std::string_view event_name(const stream_event& e) {
  return std::visit(
      [](const auto& x) -> std::string_view {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, unknown_event>) return x.name;
        else return std::decay_t<decltype(x)>::name;
      },
      e);
}

namespace detail {
template <class Event> stream_event decode_event_data(std::string_view data) {
  Event e;
  if constexpr (std::is_same_v<decltype(e.data), std::string>) {
    e.data = std::string(data);
  } else {
    e.data = from_json<decltype(e.data)>(json::parse(data));
  }
  return e;
}
} // namespace detail

// Decodes one server-sent event (its `event:` name and `data:` text). An unknown name gives
// unknown_event. Throws decode_error (shape) or boost::system::system_error (invalid JSON).
inline stream_event decode_event(std::string_view name, std::string_view data) {""")
    for name, sname, _d in names:
        w("  if (name == %s) return detail::decode_event_data<%s>(data);" % (cstr(name), sname))
    w("""  unknown_event u{std::string(name), {}};
  boost::system::error_code ec;
  json::value parsed = json::parse(data, ec);
  if (ec) u.data = json::string(data);
  else u.data = std::move(parsed);
  return u;
}

// The same without exceptions: on failure `ec` is set (a JSON parse error, or
// std::errc::bad_message for a shape mismatch, with `error` describing it) and nullopt returned.
inline std::optional<stream_event> decode_event(std::string_view name, std::string_view data,
                                                       std::error_code& ec,
                                                       std::string* error = nullptr) {
  ec.clear();
  try {
    return decode_event(name, data);
  } catch (const decode_error& e) {
    ec = std::make_error_code(std::errc::bad_message);
    if (error != nullptr) *error = e.what();
  } catch (const boost::system::system_error& e) {
    ec = e.code();
    if (error != nullptr) *error = e.what();
  }
  return std::nullopt;
}

// The JSON form of an event's data (for printing, e.g. the CLI's {"event": NAME, "data": ...}).
inline json::value event_data_json(const stream_event& e) {
  return std::visit(
      [](const auto& x) -> json::value {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, unknown_event>) return x.data;
        else if constexpr (std::is_same_v<decltype(x.data), std::string>) return json::string(x.data);
        else return to_json(x.data);
      },
      e);
}

} // namespace coassist::api""")
    return "\n".join(L) + "\n"


def emit_response_events(gen, events_path):
    events = []
    for line in open(events_path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        etype, schema, _required = line.rstrip("\n").split("\t")
        t, _n = gen.resolve_ref(schema)
        d = gen.defs[t[1]]
        if not isinstance(d, Struct):
            raise SystemExit("event %s: %s is not an object" % (etype, schema))
        if gen.discriminators(t) != [etype]:
            raise SystemExit("event %s: its schema's type is %r" % (etype, gen.discriminators(t)))
        seq = [i for i, f in enumerate(d.fields) if f[0] == "sequence_number" and f[3] and not f[4]
               and f[2] == ("prim", "std::int64_t")]
        if not seq:
            raise SystemExit("event %s: no required integer sequence_number" % etype)
        events.append((etype, d.name, seq[0], d.doc))
    L = []
    w = L.append
    w(header_note())
    w("""// The server-sent events of a streamed response, typed. `stream_event` is the variant of the
// %d event models of the spec (each one is the whole event: its "type", "sequence_number" and
// payload, e.g. response_output_text_delta_event::delta) plus unknown_event: a type this version
// does not know is kept whole, never a failure (a newer server must not break a stream).
// decode_event() tells them apart by the data's "type" (the SSE `event:` line only repeats it).
#pragma once

#include <coassist/responses/models/models.hpp>

#include <boost/json/parse.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace coassist::responses {

// An event whose "type" this version does not know (or that has none): the type and the whole
// event as it came.
struct unknown_event {
  std::string type;
  json::value data;
};
""" % len(events))
    w("using stream_event = std::variant<%s, unknown_event>;\n" % ", ".join(n for _e, n, _s, _d in events))
    w("// The \"type\" of each known event, by its index in stream_event.")
    w("inline constexpr std::array<std::string_view, %d> event_types{%s};\n" %
      (len(events), ", ".join(cstr(e) for e, _n, _s, _d in events)))
    w("""// The "type" of an event model: event_type_of<response_completed_event> is "response.completed".
template <class E> inline constexpr std::string_view event_type_of{};""")
    for e, n, _s, _d in events:
        w("template <> inline constexpr std::string_view event_type_of<%s>{%s};" % (n, cstr(e)))
    w("""
namespace detail::events_data {
// bit of `sequence_number` in each event's `missing` mask, by index in stream_event
inline constexpr std::array<unsigned char, %d> sequence_number_bit{%s};

template <class E> stream_event decode_as(const json::value& v) {
  E e{};
  api::detail::path_node root{};
  decode(v, e, root);
  return e;
}
} // namespace detail::events_data

// The "type" of any event.
inline std::string_view event_type(const stream_event& e) noexcept {
  if (const auto* u = std::get_if<unknown_event>(&e)) return u->type;
  return event_types[e.index()];
}

// The sequence number of any event; nullopt when the event had none (an unknown event without
// an integer "sequence_number", or a known one that lacked it).
inline std::optional<std::int64_t> sequence_number(const stream_event& e) noexcept {
  return std::visit(
      [&](const auto& x) -> std::optional<std::int64_t> {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, unknown_event>) {
          const json::object* o = x.data.if_object();
          const json::value* n = o != nullptr ? o->if_contains("sequence_number") : nullptr;
          if (n != nullptr && n->is_int64()) return n->get_int64();
          return std::nullopt;
        } else {
          if ((x.missing >> detail::events_data::sequence_number_bit[e.index()]) & 1U)
            return std::nullopt;
          return x.sequence_number;
        }
      },
      e);
}

// Decodes one event from its JSON data. An unknown or absent "type" gives unknown_event; a known
// type with the wrong shape throws decode_error naming the path ("$.response.output[0]...").
inline stream_event decode_event(const json::value& data) {
  const json::object* o = data.if_object();
  if (o == nullptr) throw decode_error("$", "an event object", api::detail::kind_name(data));
  const std::string_view type = api::detail::discriminator(*o, "type");
  switch (type.size()) {""" % (len(events), ", ".join(str(sb) for _e, _n, sb, _d in events)))
    by_len = {}
    for e, n, _s, _d in events:
        by_len.setdefault(len(e), []).append((e, n))
    for size in sorted(by_len):
        w("  case %d:" % size)
        for e, n in by_len[size]:
            w("    if (type == %s) return detail::events_data::decode_as<%s>(data);" % (cstr(e), n))
        w("    break;")
    w("""  default:
    break;
  }
  return unknown_event{std::string(type), data};
}

// The same from the event's `data:` text; invalid JSON throws boost::system::system_error.
inline stream_event decode_event(std::string_view data) {
  return decode_event(json::parse(data));
}

// Without exceptions: on failure `ec` is set (a JSON parse error, or std::errc::bad_message for a
// shape mismatch, with `error` describing it) and nullopt returned.
inline std::optional<stream_event> decode_event(std::string_view data, std::error_code& ec,
                                                std::string* error = nullptr) {
  ec.clear();
  boost::system::error_code jec;
  json::value v = json::parse(data, jec);
  if (jec) {
    ec = jec;
    if (error != nullptr) *error = jec.message();
    return std::nullopt;
  }
  try {
    return decode_event(v);
  } catch (const decode_error& e) {
    ec = std::make_error_code(std::errc::bad_message);
    if (error != nullptr) *error = e.what();
  }
  return std::nullopt;
}

// The JSON of any event (for printing: the CLI writes one per line).
inline json::value event_json(const stream_event& e) {
  return std::visit(
      [](const auto& x) -> json::value {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, unknown_event>) return x.data;
        else return to_json(x);
      },
      e);
}

} // namespace coassist::responses""")
    return "\n".join(L) + "\n"


def clang_format(text, rel):
    """Formats with the repository's .clang-format, so generated and hand-written code look alike."""
    exe = shutil.which("clang-format-14") or shutil.which("clang-format")
    if exe is None:
        print("warning: clang-format-14 not found: output left unformatted", file=sys.stderr)
        return text
    style = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".clang-format")
    r = subprocess.run([exe, "--style=file:" + os.path.abspath(style), "--assume-filename=" + rel],
                       input=text, capture_output=True, text=True, check=True)
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True, help="assistants-v2.yaml or responses-v1.yaml")
    ap.add_argument("--mode", choices=sorted(MODES),
                    help="which API (default: responses if the spec's file name says so)")
    ap.add_argument("--events", help="the event list (default: beside the spec)")
    ap.add_argument("--out", required=True,
                    help="the include/coassist/api (or .../responses) folder to write into")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 and show a diff if the files in --out are stale")
    args = ap.parse_args()
    global M
    M = MODES[args.mode or ("responses" if "responses" in os.path.basename(args.spec) else "assistants")]
    with open(args.spec, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    gen = Generator(spec)
    gen.run()
    ops = collect_operations(gen)
    events_path = args.events or os.path.join(os.path.dirname(args.spec), M.events_file)
    models_hpp, models_ipp = emit_models(gen)
    files = {
        "models/models.hpp": models_hpp,
        "models/impl/models.ipp": models_ipp,
        "operations.hpp": emit_operations(ops),
        "models/operation_types.hpp": emit_operation_types(ops),
        "events.hpp": (emit_events if M.ns == "api" else emit_response_events)(gen, events_path),
    }
    stale = []
    for rel, text in files.items():
        text = clang_format(text, rel)
        path = os.path.join(args.out, rel)
        if args.check:
            old = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
            if old != text:
                stale.append(rel)
                sys.stdout.writelines(list(difflib.unified_diff(
                    old.splitlines(True), text.splitlines(True), "committed/" + rel,
                    "generated/" + rel))[:200])
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    if args.check:
        if stale:
            print("STALE generated files: %s (run scripts/gen_models.py)" % ", ".join(stale))
            sys.exit(1)
        print("generated files are up to date")
        return
    for warning in gen.warnings:
        print("warning:", warning, file=sys.stderr)
    counts = {}
    for d in gen.defs.values():
        counts[type(d).__name__] = counts.get(type(d).__name__, 0) + 1
    print("wrote %s: %s, %d operations" % (", ".join(files), counts, len(ops)), file=sys.stderr)


if __name__ == "__main__":
    main()
