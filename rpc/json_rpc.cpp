#include "rpc/json_rpc.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <stdexcept>
#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace maillon {

namespace {

// kParseDefaultFlags rejects NaN/Infinity, comments and trailing commas; the
// iterative parser keeps deep nesting off the call stack; invalid UTF-8 is
// refused so that replies echoing strings stay valid JSON; full precision
// makes a non-integer id round-trip to the same double.
constexpr unsigned kParseFlags = rapidjson::kParseDefaultFlags | rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseFullPrecisionFlag;

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

enum class Envelope { kV1, kV2 };

const rapidjson::Value kNullValue;

// True when arrays/objects nest deeper than `limit` anywhere in `text`. Only
// brackets outside strings count; the text need not be valid JSON (invalid
// text is refused by the parser anyway).
bool NestingExceeds(std::string_view text, size_t limit) {
    size_t depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;  // skip the escaped character
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

bool HasType(const rapidjson::Value& v, RpcType type) {
    switch (type) {
        case RpcType::kString:
            return v.IsString();
        case RpcType::kUInt64:
            return v.IsUint64();
        case RpcType::kBool:
            return v.IsBool();
        case RpcType::kObject:
            return v.IsObject();
        case RpcType::kArray:
            return v.IsArray();
        case RpcType::kAny:
            return !v.IsNull();
    }
    return false;
}

std::string_view JsonTypeName(const rapidjson::Value& v) {
    if (v.IsNull()) return "null";
    if (v.IsBool()) return "boolean";
    if (v.IsString()) return "string";
    if (v.IsArray()) return "array";
    if (v.IsObject()) return "object";
    if (v.IsUint64()) return "non-negative integer";
    if (v.IsInt64()) return "negative integer";
    return "number that is not an integer in uint64 range";
}

// "a string", "an object", "a value" (for kAny).
std::string WithArticle(RpcType type) {
    if (type == RpcType::kAny) return "a value";
    const std::string name(RpcTypeName(type));
    return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

std::string Quoted(std::string_view s) {
    // Appended rather than "\"" + std::string(s): GCC 12 at -O3 reports a
    // false -Wrestrict overlap for the latter.
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return out;
}

RpcError InvalidParams(std::string detail) {
    return RpcError{kRpcInvalidParams, "Invalid params: " + std::move(detail)};
}

void WriteError(JsonWriter& w, const RpcError& err) {
    w.StartObject();
    w.Key("code");
    w.Int(err.code);
    w.Key("message");
    w.String(err.message.data(), static_cast<rapidjson::SizeType>(err.message.size()));
    w.EndObject();
}

void WriteId(JsonWriter& w, const rapidjson::Value* id) {
    if (id == nullptr) {
        w.Null();
    } else {
        id->Accept(w);  // a string, number or null: no recursion
    }
}

// One reply object: the error when `error` is set, else `result_json` (already
// serialized).
void WriteReply(JsonWriter& w, Envelope env, const rapidjson::Value* id,
                std::string_view result_json, const RpcError* error) {
    w.StartObject();
    if (env == Envelope::kV2) {
        w.Key("jsonrpc");
        w.String("2.0");
        if (error != nullptr) {
            w.Key("error");
            WriteError(w, *error);
        } else {
            w.Key("result");
            w.RawValue(result_json.data(), result_json.size(), rapidjson::kObjectType);
        }
    } else {
        w.Key("result");
        if (error != nullptr) {
            w.Null();
        } else {
            w.RawValue(result_json.data(), result_json.size(), rapidjson::kObjectType);
        }
        w.Key("error");
        if (error != nullptr) {
            WriteError(w, *error);
        } else {
            w.Null();
        }
    }
    w.Key("id");
    WriteId(w, id);
    w.EndObject();
}

void WriteErrorReply(JsonWriter& w, Envelope env, const rapidjson::Value* id, RpcError err) {
    WriteReply(w, env, id, {}, &err);
}

const rapidjson::Value* FindMember(const rapidjson::Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string Usage(const RpcMethod& m) {
    std::string out = m.name;
    for (const RpcParam& p : m.params) {
        const std::string arg = p.type == RpcType::kString ? Quoted(p.name) : p.name;
        out += p.required ? " " + arg : " ( " + arg + " )";
    }
    return out;
}

std::string CategoryTitle(std::string_view category) {
    std::string title(category.empty() ? "other" : category);
    if (title[0] >= 'a' && title[0] <= 'z') title[0] = static_cast<char>(title[0] - 'a' + 'A');
    return title;
}

}  // namespace

std::string_view RpcTypeName(RpcType type) {
    switch (type) {
        case RpcType::kString:
            return "string";
        case RpcType::kUInt64:
            return "non-negative integer";
        case RpcType::kBool:
            return "boolean";
        case RpcType::kObject:
            return "object";
        case RpcType::kArray:
            return "array";
        case RpcType::kAny:
            return "any";
    }
    return "?";
}

// ---------------------------------------------------------------------------
// RpcRequest

RpcRequest::RpcRequest(std::string_view method, std::vector<const rapidjson::Value*> params)
    : m_method(method), m_params(std::move(params)) {}

bool RpcRequest::Has(size_t i) const {
    return i < m_params.size() && m_params[i] != nullptr && !m_params[i]->IsNull();
}

const rapidjson::Value& RpcRequest::Param(size_t i) const {
    return Has(i) ? *m_params[i] : kNullValue;
}

std::string RpcRequest::GetString(size_t i, std::string_view fallback) const {
    if (!Has(i)) return std::string(fallback);
    const rapidjson::Value& v = *m_params[i];
    if (!v.IsString()) {
        throw std::logic_error("handler of " + m_method + " read parameter #" +
                               std::to_string(i + 1) + " as a string");
    }
    return std::string(v.GetString(), v.GetStringLength());
}

uint64_t RpcRequest::GetUInt64(size_t i, uint64_t fallback) const {
    if (!Has(i)) return fallback;
    const rapidjson::Value& v = *m_params[i];
    if (!v.IsUint64()) {
        throw std::logic_error("handler of " + m_method + " read parameter #" +
                               std::to_string(i + 1) + " as an unsigned integer");
    }
    return v.GetUint64();
}

bool RpcRequest::GetBool(size_t i, bool fallback) const {
    if (!Has(i)) return fallback;
    const rapidjson::Value& v = *m_params[i];
    if (!v.IsBool()) {
        throw std::logic_error("handler of " + m_method + " read parameter #" +
                               std::to_string(i + 1) + " as a boolean");
    }
    return v.GetBool();
}

// ---------------------------------------------------------------------------
// RpcTable

RpcTable::RpcTable() {
    Register(RpcMethod{
        .name = "help",
        .category = "control",
        .description = "Lists every method with its parameters, or describes one method.",
        .params = {{"command", RpcType::kString, false, "the method to describe"}},
        .result = rpc_result::Shape(RpcResult::Type::kString, "the help text"),
        .handler = [this](const RpcRequest& req,
                          rapidjson::Document& result) -> std::optional<RpcError> {
            const std::string command = req.GetString(0);
            if (!command.empty() && Find(command) == nullptr) {
                return RpcError{kRpcNotFound, "help: unknown command: " + command};
            }
            const std::string text = HelpText(command);
            result.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()),
                             result.GetAllocator());
            return std::nullopt;
        },
    });
}

bool RpcTable::TryRegister(RpcMethod m) {
    if (m.name.empty() || !m.handler || m_methods.count(m.name) != 0) return false;
    std::set<std::string_view> names;
    for (const RpcParam& p : m.params) {
        if (p.name.empty() || !names.insert(p.name).second) return false;
    }
    std::string name = m.name;
    m_methods.emplace(std::move(name), std::move(m));
    return true;
}

void RpcTable::Register(RpcMethod m) {
    const std::string name = m.name;
    if (!TryRegister(std::move(m))) {
        std::fprintf(stderr,
                     "RpcTable::Register: method \"%s\" is a duplicate, unnamed, has no handler "
                     "or repeats a parameter name\n",
                     name.c_str());
        std::abort();
    }
}

const RpcMethod* RpcTable::Find(std::string_view name) const {
    auto it = m_methods.find(name);
    return it == m_methods.end() ? nullptr : &it->second;
}

std::vector<const RpcMethod*> RpcTable::List() const {
    std::vector<const RpcMethod*> out;
    out.reserve(m_methods.size());
    for (const auto& [name, m] : m_methods)
        out.push_back(&m);
    std::stable_sort(out.begin(), out.end(), [](const RpcMethod* a, const RpcMethod* b) {
        return std::tie(a->category, a->name) < std::tie(b->category, b->name);
    });
    return out;
}

namespace {

// Execute() once the method is looked up; `m` is null for an unknown method.
std::optional<RpcError> ExecuteMethod(const RpcMethod* m, bool check_results,
                                      const rapidjson::Value& params, rapidjson::Document& result) {
    if (m == nullptr) return RpcError{kRpcMethodNotFound, "Method not found"};

    const size_t n = m->params.size();
    std::vector<const rapidjson::Value*> mapped(n, nullptr);
    if (params.IsArray()) {
        if (params.Size() > n) {
            return InvalidParams(m->name + " takes at most " + std::to_string(n) + " parameter" +
                                 (n == 1 ? "" : "s") + ", got " + std::to_string(params.Size()));
        }
        for (rapidjson::SizeType i = 0; i < params.Size(); ++i)
            mapped[i] = &params[i];
    } else if (params.IsObject()) {
        for (auto it = params.MemberBegin(); it != params.MemberEnd(); ++it) {
            const std::string_view key(it->name.GetString(), it->name.GetStringLength());
            size_t index = n;
            for (size_t i = 0; i < n; ++i) {
                if (m->params[i].name == key) index = i;
            }
            if (index == n) {
                return InvalidParams("unknown parameter " + Quoted(key) + " for " + m->name);
            }
            if (mapped[index] != nullptr) {
                return InvalidParams("parameter " + Quoted(key) + " given twice");
            }
            mapped[index] = &it->value;
        }
    } else if (!params.IsNull()) {
        return InvalidParams("params must be an array or an object, got " +
                             std::string(JsonTypeName(params)));
    }

    for (size_t i = 0; i < n; ++i) {
        const RpcParam& p = m->params[i];
        // Built only for an error message: this loop runs on every call.
        auto where = [&] { return Quoted(p.name) + " (#" + std::to_string(i + 1); };
        if (mapped[i] != nullptr && mapped[i]->IsNull()) mapped[i] = nullptr;
        if (mapped[i] == nullptr) {
            if (p.required) {
                return InvalidParams("missing required parameter " + where() + ", " +
                                     std::string(RpcTypeName(p.type)) + ")");
            }
            continue;
        }
        if (!HasType(*mapped[i], p.type)) {
            return InvalidParams("parameter " + where() + ") must be " + WithArticle(p.type) +
                                 ", got " + std::string(JsonTypeName(*mapped[i])));
        }
    }

    const RpcRequest request(m->name, std::move(mapped));
    try {
        auto err = m->handler(request, result);
        if (!err && check_results) {
            if (auto mismatch = CheckResult(m->result, result)) {
                return RpcError{kRpcInternalError,
                                "Internal error: the result of " + m->name +
                                    " does not match its documented shape: " + *mismatch};
            }
        }
        return err;
    } catch (const std::exception& e) {
        return RpcError{kRpcInternalError, std::string("Internal error: ") + e.what()};
    } catch (...) {
        return RpcError{kRpcInternalError, "Internal error: unknown exception"};
    }
}

// False for a body that is answered with -32700.
bool ParseBody(std::string_view body, rapidjson::Document& doc) {
    // RapidJSON stops at a NUL byte and skips a byte-order mark byte by byte;
    // JSON allows neither, so both are parse errors before it sees them.
    const bool nul = body.find('\0') != std::string_view::npos;
    const unsigned char first = body.empty() ? 0 : static_cast<unsigned char>(body[0]);
    const bool bom = first == 0xEF || first == 0xBB || first == 0xBF;
    return !nul && !bom && !NestingExceeds(body, kMaxJsonDepth) &&
           !doc.Parse<kParseFlags>(body.data(), body.size()).HasParseError();
}

// A request object whose envelope is well formed; it points into the parsed
// body.
struct Call {
    Envelope env;
    const rapidjson::Value* id;  // null when absent
    std::string_view method;
    const rapidjson::Value& params;  // a JSON null when absent
    bool notification;
};

// Checks the envelope of one request object (or batch entry). A malformed one
// is answered into `w` and gives nullopt.
std::optional<Call> ParseCall(const rapidjson::Value& req, JsonWriter& w) {
    // Until the envelope is known to be well formed, errors use the 2.0 shape
    // with the id echoed only if it is itself valid.
    if (!req.IsObject()) {
        WriteErrorReply(w, Envelope::kV2, nullptr, {kRpcInvalidRequest, "Invalid Request"});
        return std::nullopt;
    }
    const rapidjson::Value* id = FindMember(req, "id");
    const bool id_valid = id == nullptr || id->IsString() || id->IsNumber() || id->IsNull();
    const rapidjson::Value* echo_id = id_valid ? id : nullptr;

    Envelope env = Envelope::kV1;
    if (const rapidjson::Value* version = FindMember(req, "jsonrpc")) {
        const std::string_view v =
            version->IsString() ? std::string_view(version->GetString(), version->GetStringLength())
                                : std::string_view();
        if (v == "2.0") {
            env = Envelope::kV2;
        } else if (v != "1.0") {
            WriteErrorReply(w, Envelope::kV2, echo_id,
                            {kRpcInvalidRequest, "Invalid Request: \"jsonrpc\" must be \"2.0\""});
            return std::nullopt;
        }
    }
    if (!id_valid) {
        WriteErrorReply(
            w, Envelope::kV2, nullptr,
            {kRpcInvalidRequest, "Invalid Request: \"id\" must be a string, a number or null"});
        return std::nullopt;
    }
    const rapidjson::Value* method = FindMember(req, "method");
    if (method == nullptr || !method->IsString()) {
        WriteErrorReply(w, Envelope::kV2, echo_id, {kRpcInvalidRequest, "Invalid Request"});
        return std::nullopt;
    }
    const rapidjson::Value* params = FindMember(req, "params");
    if (params == nullptr) params = &kNullValue;
    if (!params->IsArray() && !params->IsObject() && !params->IsNull()) {
        WriteErrorReply(
            w, env, echo_id,
            {kRpcInvalidRequest, "Invalid Request: \"params\" must be an array or an object"});
        return std::nullopt;
    }
    return Call{env, id, std::string_view(method->GetString(), method->GetStringLength()), *params,
                env == Envelope::kV2 && id == nullptr};
}

enum class Outcome {
    kAnswered,  // a reply was written
    kSilent,    // a notification: run, nothing written
    kDeclined,  // quick_only and the method is not quick: nothing run or written
};

// Answers one request object (or batch entry) into `w`.
Outcome HandleOne(const RpcTable& table, bool check_results, bool quick_only,
                  const rapidjson::Value& req, JsonWriter& w) {
    const std::optional<Call> call = ParseCall(req, w);
    if (!call) return Outcome::kAnswered;
    const RpcMethod* m = table.Find(call->method);
    if (quick_only && m != nullptr && !m->quick) return Outcome::kDeclined;

    rapidjson::Document result;
    std::optional<RpcError> error = ExecuteMethod(m, check_results, call->params, result);
    if (call->notification) return Outcome::kSilent;

    rapidjson::StringBuffer result_sb;
    std::string_view result_json;
    if (!error) {
        JsonWriter result_writer(result_sb);
        if (result.Accept(result_writer)) {
            result_json = std::string_view(result_sb.GetString(), result_sb.GetSize());
        } else {
            error = RpcError{kRpcInternalError,
                             "Internal error: result is not representable as JSON (NaN?)"};
        }
    }
    WriteReply(w, call->env, call->id, result_json, error ? &*error : nullptr);
    return Outcome::kAnswered;
}

}  // namespace

std::optional<RpcError> RpcTable::Execute(std::string_view method, const rapidjson::Value& params,
                                          rapidjson::Document& result) const {
    return ExecuteMethod(Find(method), m_check_results, params, result);
}

std::optional<std::string> RpcTable::Handle(std::string_view body) const {
    std::optional<std::string> reply;
    Answer(body, /*quick_only=*/false, reply);
    return reply;
}

bool RpcTable::TryHandleQuick(std::string_view body, std::optional<std::string>& reply) const {
    return Answer(body, /*quick_only=*/true, reply);
}

bool RpcTable::Answer(std::string_view body, bool quick_only,
                      std::optional<std::string>& reply) const {
    rapidjson::Document doc;
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    if (!ParseBody(body, doc)) {
        WriteErrorReply(w, Envelope::kV2, nullptr, {kRpcParseError, "Parse error"});
    } else if (!doc.IsArray()) {
        switch (HandleOne(*this, m_check_results, quick_only, doc, w)) {
            case Outcome::kAnswered:
                break;
            case Outcome::kSilent:
                reply.reset();
                return true;
            case Outcome::kDeclined:
                return false;
        }
    } else if (quick_only) {
        // Up to MaxBatchSize() calls, even quick ones, are too much for an I/O thread.
        return false;
    } else if (doc.Empty()) {
        WriteErrorReply(w, Envelope::kV2, nullptr, {kRpcInvalidRequest, "Invalid Request"});
    } else if (doc.Size() > m_max_batch) {
        WriteErrorReply(w, Envelope::kV2, nullptr,
                        {kRpcInvalidRequest,
                         "Invalid Request: batch of " + std::to_string(doc.Size()) +
                             " requests exceeds the limit of " + std::to_string(m_max_batch)});
    } else {
        size_t replies = 0;
        w.StartArray();
        for (const rapidjson::Value& entry : doc.GetArray()) {
            if (HandleOne(*this, m_check_results, /*quick_only=*/false, entry, w) ==
                Outcome::kAnswered) {
                ++replies;
            }
        }
        w.EndArray();
        if (replies == 0) {
            reply.reset();
            return true;
        }
    }
    reply.emplace(sb.GetString(), sb.GetSize());
    return true;
}

std::string RpcTable::HelpText(std::string_view method) const {
    if (method.empty()) {
        std::string out;
        std::string category;
        bool first = true;
        for (const RpcMethod* m : List()) {
            if (first || m->category != category) {
                if (!first) out += "\n";
                out += "== " + CategoryTitle(m->category) + " ==\n";
                category = m->category;
                first = false;
            }
            out += Usage(*m) + "\n";
        }
        return out;
    }

    const RpcMethod* m = Find(method);
    if (m == nullptr) return "help: unknown command: " + std::string(method) + "\n";
    std::string out = Usage(*m) + "\n";
    if (!m->description.empty()) out += "\n" + m->description + "\n";
    if (!m->params.empty()) {
        size_t width = 0;
        for (const RpcParam& p : m->params)
            width = std::max(width, p.name.size());
        out += "\nArguments:\n";
        for (size_t i = 0; i < m->params.size(); ++i) {
            const RpcParam& p = m->params[i];
            out += std::to_string(i + 1) + ". " + p.name + std::string(width - p.name.size(), ' ') +
                   "  (" + std::string(RpcTypeName(p.type)) + ", " +
                   (p.required ? "required" : "optional") + ")";
            if (!p.help.empty()) out += " " + p.help;
            out += "\n";
        }
    }
    if (m->result.type != RpcResult::Type::kNone) out += "\nResult:\n" + FormatResult(m->result);
    return out;
}

}  // namespace maillon
