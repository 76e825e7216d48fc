#include "rpc/json_rpc.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <set>
#include <stdexcept>
#include <utility>

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "util/strencodings.h"

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
        case RpcType::kStringOrUInt64:
            return v.IsString() || v.IsUint64();
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
    const double d = v.GetDouble();
    if (std::floor(d) != d) return "number with a fraction";
    if (d >= 0x1p64 || d <= -0x1p63) return "number outside the 64-bit integer range";
    return "number with a decimal point or exponent (write integers as plain digits)";
}

// "a string", "an object", "a value" (for kAny).
std::string WithArticle(RpcType type) {
    if (type == RpcType::kAny) return "a value";
    const std::string name(RpcTypeName(type));
    return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

// Our own names and the caller's alike: in double quotes, which read well
// inside a JSON string; see QuoteEcho.
std::string Quoted(std::string_view s) {
    return QuoteEcho(s, '"');
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

// `raw` (when not empty) is the id exactly as the client wrote it: used for
// numbers that a double would not reproduce byte for byte.
void WriteId(JsonWriter& w, const rapidjson::Value* id, std::string_view raw) {
    if (id == nullptr) {
        w.Null();
    } else if (!raw.empty()) {
        w.RawValue(raw.data(), raw.size(), rapidjson::kNumberType);
    } else {
        id->Accept(w);  // a string, number or null: no recursion
    }
}

// One reply object: the error when `error` is set, else `result_json` (already
// serialized).
void WriteReply(JsonWriter& w, Envelope env, const rapidjson::Value* id, std::string_view raw_id,
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
    WriteId(w, id, raw_id);
    w.EndObject();
}

void WriteErrorReply(JsonWriter& w, Envelope env, const rapidjson::Value* id,
                     std::string_view raw_id, RpcError err) {
    WriteReply(w, env, id, raw_id, {}, &err);
}

RpcError InvalidRequest(std::string detail) {
    return RpcError{kRpcInvalidRequest, "Invalid Request: " + std::move(detail)};
}

// An id that is a number RapidJSON keeps as a double (a fraction, an exponent,
// more digits than 64 bits hold): echoing the double would change its text.
// RapidJSON also reads -0 as the integer 0, so a zero id is collected too.
bool IsInexactId(const rapidjson::Value& v) {
    return v.IsNumber() && ((!v.IsInt64() && !v.IsUint64()) || (v.IsInt64() && v.GetInt64() == 0));
}

using JsonInput = rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>;

// The end of the JSON number that starts at `begin` of `text`.
size_t NumberEnd(std::string_view text, size_t begin) {
    const size_t end = text.find_first_not_of("+-0123456789.eE", begin);
    return end == std::string_view::npos ? text.size() : end;
}

// Collects the "id" of each request object exactly as written, by a second,
// SAX pass over the parsed text (`in`) with numbers kept as text, each taken
// from the same offset of the body. ids[i] is the raw number text of entry i
// of a batch (entry 0 for a single request), or empty.
class RawIdCollector : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, RawIdCollector> {
public:
    RawIdCollector(std::string_view body, const JsonInput& in) : m_body(body), m_in(in) {}

    std::vector<std::string> ids;

    bool Default() { return Value(); }
    bool RawNumber(const char*, rapidjson::SizeType len, bool) {
        const bool is_id = m_next_is_id;
        if (!Value()) return false;
        if (is_id) {
            // The input stands just after the number.
            const size_t begin = m_in.Tell() - len;
            ids[m_entry].assign(m_body.substr(begin, NumberEnd(m_body, begin) - begin));
        }
        return true;
    }
    bool Key(const char* str, rapidjson::SizeType len, bool) {
        m_next_is_id = m_depth == RequestDepth() && len == 2 && std::memcmp(str, "id", 2) == 0;
        return true;
    }
    bool StartObject() { return Value() && Enter(); }
    bool StartArray() {
        if (m_depth == 0) m_batch = true;
        return Value() && Enter();
    }
    bool EndObject(rapidjson::SizeType) { return Leave(); }
    bool EndArray(rapidjson::SizeType) { return Leave(); }

private:
    size_t RequestDepth() const { return m_batch ? 2 : 1; }
    // Every value starts here: a value directly inside the batch array is the
    // next entry.
    bool Value() {
        m_next_is_id = false;
        if (m_depth == (m_batch ? 1u : 0u)) {
            m_entry = ids.size();
            ids.emplace_back();
        }
        return true;
    }
    bool Enter() {
        ++m_depth;
        return true;
    }
    bool Leave() {
        --m_depth;
        m_next_is_id = false;
        return true;
    }

    const std::string_view m_body;
    const JsonInput& m_in;
    size_t m_depth{0};
    size_t m_entry{0};
    bool m_batch{false};
    bool m_next_is_id{false};
};

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
        case RpcType::kStringOrUInt64:
            return "string or non-negative integer";
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
                return RpcError{kRpcNotFound, "help: unknown command: " + QuoteEcho(command) +
                                                  " (\"help\" without a parameter lists them)"};
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
    auto defaults = std::make_unique<rapidjson::Document>(rapidjson::kArrayType);
    auto& a = defaults->GetAllocator();
    for (const RpcParam& p : m.params) {
        if (p.name.empty() || !names.insert(p.name).second) return false;
        rapidjson::Value value;
        if (!p.default_json.empty()) {
            rapidjson::Document parsed;
            parsed.Parse<kParseFlags>(p.default_json.data(), p.default_json.size());
            if (p.required || parsed.HasParseError() || !HasType(parsed, p.type)) return false;
            value.CopyFrom(parsed, a);
        }
        defaults->PushBack(value, a);
    }
    std::string name = m.name;
    m_methods.emplace(std::move(name), Entry{std::move(m), std::move(defaults)});
    return true;
}

void RpcTable::Register(RpcMethod m) {
    const std::string name = m.name;
    if (!TryRegister(std::move(m))) {
        std::fprintf(stderr,
                     "RpcTable::Register: method \"%s\" is a duplicate, unnamed, has no handler, "
                     "repeats a parameter name or has a bad default\n",
                     name.c_str());
        std::abort();
    }
}

const RpcMethod* RpcTable::Find(std::string_view name) const {
    auto it = m_methods.find(name);
    return it == m_methods.end() ? nullptr : &it->second.method;
}

std::vector<const RpcMethod*> RpcTable::List() const {
    std::vector<const RpcMethod*> out;
    out.reserve(m_methods.size());
    for (const auto& [name, e] : m_methods)
        out.push_back(&e.method);
    std::stable_sort(out.begin(), out.end(), [](const RpcMethod* a, const RpcMethod* b) {
        return std::tie(a->category, a->name) < std::tie(b->category, b->name);
    });
    return out;
}

namespace {

// Execute() once the method is looked up; `m` is null for an unknown method
// `name`. `defaults` holds one value per parameter (null: no default).
std::optional<RpcError> ExecuteMethod(std::string_view name, const RpcMethod* m,
                                      const rapidjson::Value* defaults, bool check_results,
                                      const rapidjson::Value& params, rapidjson::Document& result) {
    if (m == nullptr) {
        return RpcError{kRpcMethodNotFound, "Method not found: " + Quoted(name) +
                                                " (\"help\" lists the methods; names are "
                                                "case-sensitive)"};
    }

    const size_t n = m->params.size();
    std::vector<const rapidjson::Value*> mapped(n, nullptr);
    if (params.IsArray()) {
        if (params.Size() > n) {
            const std::string got = ", got " + std::to_string(params.Size());
            if (n == 0) return InvalidParams(m->name + " takes no parameters" + got);
            return InvalidParams(m->name + " takes at most " + std::to_string(n) + " parameter" +
                                 (n == 1 ? "" : "s") + got);
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
        if (mapped[i] == nullptr && defaults != nullptr && !(*defaults)[i].IsNull()) {
            mapped[i] = &(*defaults)[i];
            continue;
        }
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

// Parses a request body; nullopt when it is valid JSON, else the -32700
// error saying what is wrong and where. A number too large for a double
// (1e400, 5000 digits) is valid JSON, which RapidJSON refuses: `tamed` then
// gets a copy of the body with each such number replaced by the largest
// power of ten a double holds, of its sign, padded with spaces to the same
// length (so every offset stays the same), and that copy is what `doc` holds.
// The parameter checks then refuse the number by name, as outside the 64-bit
// integer range.
std::optional<RpcError> ParseBody(std::string_view body, rapidjson::Document& doc,
                                  std::string& tamed) {
    auto parse_error = [](std::string detail) {
        return RpcError{kRpcParseError, "Parse error: " + std::move(detail)};
    };
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return parse_error("the body is empty; send one JSON-RPC request object");
    // RapidJSON stops at a NUL byte and skips a byte-order mark byte by byte;
    // JSON allows neither, so both are parse errors before it sees them.
    if (const size_t nul = body.find('\0'); nul != std::string_view::npos)
        return parse_error("NUL byte at offset " + std::to_string(nul));
    const unsigned char first = static_cast<unsigned char>(body[0]);
    if (first == 0xEF || first == 0xBB || first == 0xBF)
        return parse_error("byte-order mark at offset 0; send plain UTF-8 without one");
    if (NestingExceeds(body, kMaxJsonDepth))
        return parse_error("arrays and objects nest deeper than " + std::to_string(kMaxJsonDepth));
    std::string_view text = body;
    // Each round replaces one number, whose text is at least as long as its
    // replacement: more than 308 digits, or an exponent of 3 digits.
    while (doc.Parse<kParseFlags>(text.data(), text.size()).HasParseError() &&
           doc.GetParseError() == rapidjson::kParseErrorNumberTooBig) {
        if (tamed.empty()) tamed.assign(body);
        const size_t begin = doc.GetErrorOffset();
        const size_t end = NumberEnd(tamed, begin);
        const std::string_view largest = tamed[begin] == '-' ? "-1e308" : "1e308";
        if (end - begin < largest.size()) break;  // not a number RapidJSON read
        tamed.replace(begin, end - begin, std::string(end - begin, ' '));
        tamed.replace(begin, largest.size(), largest);
        text = tamed;
    }
    if (doc.HasParseError()) {
        return parse_error(std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
                           " (at offset " + std::to_string(doc.GetErrorOffset()) + ")");
    }
    return std::nullopt;
}

// Raw id texts (see RawIdCollector) when some id of `doc` needs them; else
// empty. `text` is what `doc` was parsed from: `body` or its tamed copy.
std::vector<std::string> CollectRawIds(std::string_view body, std::string_view text,
                                       const rapidjson::Document& doc) {
    bool needed = false;
    auto check = [&](const rapidjson::Value& req) {
        if (!req.IsObject()) return;
        auto id = req.FindMember("id");
        if (id != req.MemberEnd() && IsInexactId(id->value)) needed = true;
    };
    if (doc.IsArray()) {
        for (const rapidjson::Value& entry : doc.GetArray())
            check(entry);
    } else {
        check(doc);
    }
    if (!needed) return {};
    rapidjson::Reader reader;
    rapidjson::MemoryStream bytes(text.data(), text.size());
    JsonInput in(bytes);
    RawIdCollector collector(body, in);
    // The text parsed once already, so this pass cannot fail.
    reader.Parse<kParseFlags | rapidjson::kParseNumbersAsStringsFlag>(in, collector);
    return std::move(collector.ids);
}

// A request object whose envelope is well formed; it points into the parsed
// body.
struct Call {
    Envelope env;
    const rapidjson::Value* id;  // null when absent
    std::string_view raw_id;     // see WriteId
    std::string_view method;
    const rapidjson::Value& params;  // a JSON null when absent
    bool notification;
};

// The envelope members; each may appear at most once (parsers disagree on
// which duplicate wins, so a proxy could see another method than we run).
constexpr const char* kEnvelopeMembers[] = {"jsonrpc", "id", "method", "params"};

// Checks the envelope of one request object (or batch entry). A malformed one
// is answered into `w` and gives nullopt.
std::optional<Call> ParseCall(const rapidjson::Value& req, std::string_view raw_id, JsonWriter& w) {
    if (!req.IsObject()) {
        WriteErrorReply(w, Envelope::kV2, nullptr, {},
                        InvalidRequest("a request must be a JSON object, got " +
                                       std::string(JsonTypeName(req))));
        return std::nullopt;
    }
    const rapidjson::Value* id = FindMember(req, "id");
    const bool id_valid = id == nullptr || id->IsString() || id->IsNumber() || id->IsNull();
    const rapidjson::Value* echo_id = id_valid ? id : nullptr;
    if (!id_valid) raw_id = {};

    // Errors use the envelope of the request: 1.0 for an object with a
    // "method" but no "jsonrpc" member, else 2.0 (also for a bad "jsonrpc").
    Envelope env = FindMember(req, "method") != nullptr ? Envelope::kV1 : Envelope::kV2;
    bool bad_version = false;
    if (const rapidjson::Value* version = FindMember(req, "jsonrpc")) {
        const std::string_view v =
            version->IsString() ? std::string_view(version->GetString(), version->GetStringLength())
                                : std::string_view();
        env = v == "1.0" ? Envelope::kV1 : Envelope::kV2;
        bad_version = v != "1.0" && v != "2.0";
    }
    // Before anything echoes the id: with a repeated member, which "id" the
    // client meant is unknown.
    for (const char* name : kEnvelopeMembers) {
        const std::string_view wanted(name);
        size_t count = 0;
        for (auto it = req.MemberBegin(); it != req.MemberEnd(); ++it) {
            if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == wanted)
                ++count;
        }
        if (count > 1) {
            WriteErrorReply(w, env, nullptr, {},
                            InvalidRequest("member " + Quoted(name) + " appears " +
                                           std::to_string(count) + " times; send it once"));
            return std::nullopt;
        }
    }
    if (bad_version) {
        WriteErrorReply(w, env, echo_id, raw_id,
                        InvalidRequest("\"jsonrpc\" must be \"2.0\" (or \"1.0\", or left out, "
                                       "for a JSON-RPC 1.0 call)"));
        return std::nullopt;
    }
    if (!id_valid) {
        WriteErrorReply(w, env, nullptr, {},
                        InvalidRequest("\"id\" must be a string, a number or null, got " +
                                       std::string(JsonTypeName(*id))));
        return std::nullopt;
    }
    const rapidjson::Value* method = FindMember(req, "method");
    if (method == nullptr || !method->IsString()) {
        WriteErrorReply(w, env, echo_id, raw_id,
                        InvalidRequest(method == nullptr ? "\"method\" is missing"
                                                         : "\"method\" must be a string, got " +
                                                               std::string(JsonTypeName(*method))));
        return std::nullopt;
    }
    const rapidjson::Value* params = FindMember(req, "params");
    if (params == nullptr) params = &kNullValue;
    if (!params->IsArray() && !params->IsObject() && !params->IsNull()) {
        WriteErrorReply(w, env, echo_id, raw_id,
                        InvalidRequest("\"params\" must be an array or an object, got " +
                                       std::string(JsonTypeName(*params))));
        return std::nullopt;
    }
    return Call{env,     id,
                raw_id,  std::string_view(method->GetString(), method->GetStringLength()),
                *params, env == Envelope::kV2 && id == nullptr};
}

enum class Outcome {
    kAnswered,  // a reply was written
    kSilent,    // a notification: run, nothing written
    kDeclined,  // quick_only and the method is not quick: nothing run or written
};

// How much of the reply budget (RpcTable::MaxReplyBytes) a request may use.
struct ReplyRoom {
    size_t limit;
    size_t used;  // by the replies before this one (of the same batch)
    bool in_batch;
};

RpcError ReplyTooLarge(size_t result_bytes, const ReplyRoom& room) {
    std::string message = "Reply too large: the result of this request takes " +
                          std::to_string(result_bytes) + " bytes and a reply may take " +
                          std::to_string(room.limit) + " (-rpcmaxreply)";
    message += room.in_batch
                   ? ", of which the earlier replies of this batch use " +
                         std::to_string(room.used) + "; send this request again in another batch"
                   : "; ask for less at a time (e.g. a lower verbosity)";
    return RpcError{kRpcReplyTooLarge, std::move(message)};
}

// Answers one request object (or batch entry) into `w`. With `refuse` set, a
// well-formed call is not run and gets that error instead (a notification is
// dropped). A result that does not fit in `room` is answered with
// kRpcReplyTooLarge instead, and sets `overflowed`.
Outcome HandleOne(const RpcTable& table, bool quick_only, const rapidjson::Value& req,
                  std::string_view raw_id, const RpcError* refuse, const ReplyRoom& room,
                  bool& overflowed, JsonWriter& w) {
    const std::optional<Call> call = ParseCall(req, raw_id, w);
    if (!call) return Outcome::kAnswered;
    if (quick_only) {
        const RpcMethod* m = table.Find(call->method);
        if (m != nullptr && !m->quick) return Outcome::kDeclined;
    }
    if (refuse != nullptr) {
        if (call->notification) return Outcome::kSilent;
        WriteReply(w, call->env, call->id, call->raw_id, {}, refuse);
        return Outcome::kAnswered;
    }

    rapidjson::Document result;
    std::optional<RpcError> error = table.Execute(call->method, call->params, result);
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
    // The result is measured once serialized, before it joins the reply: so
    // the reply never outgrows the limit, whatever the size of one result.
    if (!error && room.used + result_json.size() > room.limit) {
        error = ReplyTooLarge(result_json.size(), room);
        overflowed = true;
    }
    WriteReply(w, call->env, call->id, call->raw_id, result_json, error ? &*error : nullptr);
    return Outcome::kAnswered;
}

std::string_view RawId(const std::vector<std::string>& raw_ids, size_t i) {
    return i < raw_ids.size() ? std::string_view(raw_ids[i]) : std::string_view();
}

}  // namespace

std::optional<RpcError> RpcTable::Execute(std::string_view method, const rapidjson::Value& params,
                                          rapidjson::Document& result) const {
    auto it = m_methods.find(method);
    if (it == m_methods.end())
        return ExecuteMethod(method, nullptr, nullptr, m_check_results, params, result);
    const Entry& e = it->second;
    return ExecuteMethod(method, &e.method, e.defaults.get(), m_check_results, params, result);
}

std::optional<std::string> RpcTable::Handle(std::string_view body) const {
    std::optional<std::string> reply;
    Answer(body, /*quick_only=*/false, reply);
    return reply;
}

bool RpcTable::TryHandleQuick(std::string_view body, std::optional<std::string>& reply) const {
    // Batches (up to MaxBatchSize() calls, even quick ones) and large bodies
    // are too much for an I/O thread: declined before any parsing.
    if (body.size() > kMaxQuickBodyBytes) return false;
    const size_t first = body.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && body[first] == '[') return false;
    return Answer(body, /*quick_only=*/true, reply);
}

bool RpcTable::Answer(std::string_view body, bool quick_only,
                      std::optional<std::string>& reply) const {
    rapidjson::Document doc;
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    std::string tamed;
    if (std::optional<RpcError> error = ParseBody(body, doc, tamed)) {
        WriteErrorReply(w, Envelope::kV2, nullptr, {}, std::move(*error));
    } else if (!doc.IsArray()) {
        const std::vector<std::string> raw_ids =
            CollectRawIds(body, tamed.empty() ? body : tamed, doc);
        bool overflowed = false;
        switch (HandleOne(*this, quick_only, doc, RawId(raw_ids, 0), nullptr,
                          ReplyRoom{m_max_reply_bytes, 0, false}, overflowed, w)) {
            case Outcome::kAnswered:
                break;
            case Outcome::kSilent:
                reply.reset();
                return true;
            case Outcome::kDeclined:
                return false;
        }
    } else if (quick_only) {
        return false;
    } else if (doc.Empty()) {
        WriteErrorReply(w, Envelope::kV2, nullptr, {},
                        InvalidRequest("the batch is empty; send at least one request"));
    } else if (doc.Size() > m_max_batch) {
        WriteErrorReply(
            w, Envelope::kV2, nullptr, {},
            InvalidRequest("batch of " + std::to_string(doc.Size()) +
                           " requests exceeds the limit of " + std::to_string(m_max_batch) +
                           " (-rpcmaxbatch); split it into smaller batches"));
    } else {
        const std::vector<std::string> raw_ids =
            CollectRawIds(body, tamed.empty() ? body : tamed, doc);
        std::optional<RpcError> refuse;
        size_t replies = 0;
        w.StartArray();
        bool overflowed = false;
        for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
            // Once one result did not fit, nothing more of the batch is run.
            if (!refuse && overflowed) {
                refuse = RpcError{
                    kRpcReplyTooLarge,
                    "Reply too large: the replies to the earlier requests of this batch already "
                    "take " +
                        std::to_string(sb.GetSize()) + " bytes (-rpcmaxreply is " +
                        std::to_string(m_max_reply_bytes) +
                        "); send this request again in another batch"};
            }
            if (HandleOne(*this, /*quick_only=*/false, doc[i], RawId(raw_ids, i),
                          refuse ? &*refuse : nullptr,
                          ReplyRoom{m_max_reply_bytes, sb.GetSize(), true}, overflowed,
                          w) == Outcome::kAnswered) {
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
    if (m == nullptr) return "help: unknown command: " + QuoteEcho(method) + "\n";
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
                   (p.required               ? "required"
                    : p.default_json.empty() ? "optional"
                                             : "optional, default=" + p.default_json) +
                   ")";
            if (!p.help.empty()) out += " " + p.help;
            out += "\n";
        }
    }
    if (m->result.type != RpcResult::Type::kNone) out += "\nResult:\n" + FormatResult(m->result);
    return out;
}

}  // namespace maillon
