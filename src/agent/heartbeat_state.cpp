#include "agent/heartbeat_state.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>

#include "consensus/tx/heartbeat.h"
#include "consensus/tx_type.h"
#include "util/file.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

Error Corrupt(const std::string& what) {
    return MakeError(ErrorKind::kCorruption, "state-corrupt", what);
}

// The unsigned 64-bit member `name`, or an error naming it.
Result<uint64_t> UIntField(const rapidjson::Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsUint64()) {
        return Corrupt(std::string("\"") + name + "\" is missing or not an unsigned integer");
    }
    return it->value.GetUint64();
}

// The heartbeat the record's "tx" holds, checked against its other fields.
Status CheckRecordTx(const std::string& hex, const ChainParams& params, HeartbeatRecord& r) {
    auto bytes = ParseHex(hex);
    if (!bytes) return Corrupt("\"tx\" is not hex");
    auto tx = DecodeTransaction(*bytes);
    if (!tx) return Corrupt("\"tx\" does not decode: " + tx.error().message);
    const HeartbeatPayload* hb = HeartbeatOf(*tx);
    if (hb == nullptr) return Corrupt("\"tx\" is a " + std::string(tx->Type().Name()));
    if (tx->ChainId() != params.chain_id) {
        return Corrupt("\"tx\" is for chain id " + std::to_string(tx->ChainId()) + ", not the " +
                       params.name + " network's " + std::to_string(params.chain_id));
    }
    if (hb->ref_height != r.ref_height ||
        r.interval != hb->ref_height / params.heartbeat_interval_blocks) {
        return Corrupt("\"interval\" and \"ref_height\" disagree with the heartbeat in \"tx\"");
    }
    r.device = tx->Payer();
    return Status::Ok();
}

}  // namespace

HeartbeatRecord SignHeartbeat(const ChainParams& params, const PrivKey& device, uint64_t ref_height,
                              const Hash256& ref_hash) {
    const Transaction tx =
        UnsignedHeartbeat(params.chain_id, device.PubKey(), ref_height, ref_hash).Sign(0, device);
    return HeartbeatRecord{ref_height / params.heartbeat_interval_blocks, ref_height,
                           HexStr(tx.Serialize()), device.PubKey()};
}

std::string EncodeHeartbeatRecord(const HeartbeatRecord& record) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("version");
    w.Uint(kHeartbeatRecordVersion);
    w.Key("interval");
    w.Uint64(record.interval);
    w.Key("ref_height");
    w.Uint64(record.ref_height);
    w.Key("tx");
    w.String(record.tx_hex.c_str());
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

Result<HeartbeatRecord> DecodeHeartbeatRecord(std::string_view text, const ChainParams& params) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        return Corrupt("it is not a JSON object (" + std::to_string(text.size()) +
                       " bytes; a truncated write?)");
    }
    auto version = UIntField(doc, "version");
    if (!version) return version.error();
    if (*version != kHeartbeatRecordVersion) {
        return Corrupt("version " + std::to_string(*version) + " is not " +
                       std::to_string(kHeartbeatRecordVersion) + ", the one this agent reads");
    }
    HeartbeatRecord r;
    auto interval = UIntField(doc, "interval");
    if (!interval) return interval.error();
    auto ref_height = UIntField(doc, "ref_height");
    if (!ref_height) return ref_height.error();
    r.interval = *interval;
    r.ref_height = *ref_height;
    auto tx = doc.FindMember("tx");
    if (tx == doc.MemberEnd() || !tx->value.IsString()) {
        return Corrupt("\"tx\" is missing or not a string");
    }
    r.tx_hex.assign(tx->value.GetString(), tx->value.GetStringLength());
    if (Status st = CheckRecordTx(r.tx_hex, params, r); !st) return st.error();
    return r;
}

Result<std::optional<HeartbeatRecord>> LoadHeartbeatRecord(const std::string& path,
                                                           const ChainParams& params) {
    std::error_code ec;
    const auto type = std::filesystem::symlink_status(path, ec).type();
    if (type == std::filesystem::file_type::not_found) return std::optional<HeartbeatRecord>();
    auto text = ReadFileBounded(path, kMaxHeartbeatRecordSize);
    if (!text) {
        return MakeError(text.error().kind, text.error().code,
                         "state file " + path + ": " + text.error().message);
    }
    auto record = DecodeHeartbeatRecord(*text, params);
    if (!record) {
        return Corrupt("state file " + path + " is damaged: " + record.error().message +
                       ". It records the last heartbeat the agent signed; move it away to start "
                       "over (the agent then skips the intervals the chain may have counted)");
    }
    return std::optional<HeartbeatRecord>(std::move(*record));
}

Status SaveHeartbeatRecord(const std::string& path, const HeartbeatRecord& record) {
    Status st = WriteFileAtomically(path, EncodeHeartbeatRecord(record), FileReplace::kAlways);
    if (!st) {
        return MakeError(st.error().kind, st.error().code,
                         "cannot write state file " + path + ": " + st.error().message);
    }
    return Status::Ok();
}

}  // namespace maillon
