"""An independent implementation of the Maillon protocol (doc/protocol.md), version 1.

Written from doc/protocol.md alone (no C++ source was read), Python 3.11 standard library
only. protocol_conformance_test.py checks the node against it. Not a test itself.

Sections of doc/protocol.md are referred to as §N.

Main entry points (see each docstring):

    secp256k1 / BIP340   PrivateKey(secret32).pubkey() / .sign(msg32, aux=None),
                         bip340_verify(pub32, msg32, sig64), lift_x(x)
    hashes               tagged_hash(tag, data), sha256(data)
    addresses (§3)       encode_address(hrp, pub32), decode_address(hrp, text),
                         bech32_encode / bech32_decode
    params (§5.6)        dev_key(), DEV, TEST, MAIN, NETWORKS
    transactions (§4)    transfer(...), register_device(...), Tx, decode_transaction(raw),
                         check_stateless(tx, params), check_signatures(tx), tx_to_json(tx, hrp)
    blocks (§5)          Header, decode_header, Block, decode_block, encode_block,
                         ValidatorSet, decode_validator_set, Certificate, decode_certificate,
                         vote_hash, verify_commit, merkle_root
    state (§6)           state_key, account_key, device_key, SUPPLY_KEY, VALIDATORS_KEY,
                         LAST_VALIDATORS_KEY, encode_/decode_ account/supply/device/validators,
                         state_root(records), make_state_proof(records, key),
                         decode_state_proof, verify_state_proof(root, key, proof)
    replay (§4.3-5.6)    genesis_records(params), genesis_header(params), apply_block(...)
    light client (§7)    verify_account_proof(params, pubkey, reply, height=None)
"""

import hashlib
import secrets
from dataclasses import dataclass, field

U64_MAX = (1 << 64) - 1
COIN = 100_000_000

# ==========================================================================
# Hashes (§2)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


_TAG_CACHE = {}


def tagged_hash(tag: str, data: bytes) -> bytes:
    """TaggedHash(tag, m) = SHA256(SHA256(tag) || SHA256(tag) || m) (BIP340)."""
    prefix = _TAG_CACHE.get(tag)
    if prefix is None:
        t = sha256(tag.encode("ascii"))
        prefix = _TAG_CACHE[tag] = t + t
    return sha256(prefix + data)


# ==========================================================================
# secp256k1 (Jacobian coordinates) and BIP340

P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8

_INF = (1, 1, 0)  # Jacobian point at infinity (Z = 0)


def _jdouble(pt):
    X1, Y1, Z1 = pt
    if Z1 == 0 or Y1 == 0:
        return _INF
    YY = Y1 * Y1 % P
    S = 4 * X1 * YY % P
    M = 3 * X1 * X1 % P
    X3 = (M * M - 2 * S) % P
    Y3 = (M * (S - X3) - 8 * YY * YY) % P
    Z3 = 2 * Y1 * Z1 % P
    return (X3, Y3, Z3)


def _jadd(p1, p2):
    X1, Y1, Z1 = p1
    X2, Y2, Z2 = p2
    if Z1 == 0:
        return p2
    if Z2 == 0:
        return p1
    Z1Z1 = Z1 * Z1 % P
    Z2Z2 = Z2 * Z2 % P
    U1 = X1 * Z2Z2 % P
    U2 = X2 * Z1Z1 % P
    S1 = Y1 * Z2 * Z2Z2 % P
    S2 = Y2 * Z1 * Z1Z1 % P
    H = (U2 - U1) % P
    R = (S2 - S1) % P
    if H == 0:
        if R == 0:
            return _jdouble(p1)
        return _INF
    HH = H * H % P
    HHH = H * HH % P
    V = U1 * HH % P
    X3 = (R * R - HHH - 2 * V) % P
    Y3 = (R * (V - X3) - S1 * HHH) % P
    Z3 = H * Z1 * Z2 % P
    return (X3, Y3, Z3)


def _jadd_affine(p1, x2, y2):
    """p1 (Jacobian) + (x2, y2) (affine, not infinity)."""
    X1, Y1, Z1 = p1
    if Z1 == 0:
        return (x2, y2, 1)
    Z1Z1 = Z1 * Z1 % P
    U2 = x2 * Z1Z1 % P
    S2 = y2 * Z1 * Z1Z1 % P
    H = (U2 - X1) % P
    R = (S2 - Y1) % P
    if H == 0:
        if R == 0:
            return _jdouble(p1)
        return _INF
    HH = H * H % P
    HHH = H * HH % P
    V = X1 * HH % P
    X3 = (R * R - HHH - 2 * V) % P
    Y3 = (R * (V - X3) - Y1 * HHH) % P
    Z3 = H * Z1 % P
    return (X3, Y3, Z3)


def _to_affine(pt):
    X, Y, Z = pt
    if Z == 0:
        return None
    zi = pow(Z, -1, P)
    zi2 = zi * zi % P
    return (X * zi2 % P, Y * zi2 * zi % P)


_G_TABLE = None  # _G_TABLE[i][j-1] = j * 16^i * G, affine, for i < 64, 1 <= j <= 15


def _g_table():
    global _G_TABLE
    if _G_TABLE is None:
        table = []
        base = (GX, GY, 1)
        for _ in range(64):
            row = []
            acc = base
            for _j in range(15):
                row.append(_to_affine(acc))
                acc = _jadd(acc, base)
            table.append(row)
            base = acc  # 16 * base
        _G_TABLE = table
    return _G_TABLE


def _mul_g(k):
    """k * G (Jacobian), fixed-base comb over 4-bit windows: 64 mixed additions."""
    k %= N
    table = _g_table()
    acc = _INF
    i = 0
    while k:
        j = k & 15
        if j:
            x, y = table[i][j - 1]
            acc = _jadd_affine(acc, x, y)
        k >>= 4
        i += 1
    return acc


def _mul(pt_affine, k):
    """k * pt (Jacobian), 4-bit fixed window."""
    k %= N
    if k == 0:
        return _INF
    x, y = pt_affine
    base = (x, y, 1)
    win = [_INF, base]
    for _ in range(14):
        win.append(_jadd(win[-1], base))
    acc = _INF
    for shift in range((k.bit_length() + 3) // 4 * 4 - 4, -4, -4):
        acc = _jdouble(_jdouble(_jdouble(_jdouble(acc))))
        d = (k >> shift) & 15
        if d:
            acc = _jadd(acc, win[d])
    return acc


def lift_x(x: int):
    """The curve point with x coordinate x and even y (BIP340 lift_x), or None."""
    if x >= P:
        return None
    c = (pow(x, 3, P) + 7) % P
    y = pow(c, (P + 1) // 4, P)
    if y * y % P != c:
        return None
    return (x, y if y % 2 == 0 else P - y)


def is_xonly_point(key: bytes) -> bool:
    """True when the 32 bytes are the x coordinate of a curve point."""
    return len(key) == 32 and lift_x(int.from_bytes(key, "big")) is not None


def _i2b(x):
    return x.to_bytes(32, "big")


def _b2i(b):
    return int.from_bytes(b, "big")


class PrivateKey:
    """A secp256k1 secret key (32 bytes, 1 <= d < n)."""

    def __init__(self, secret: bytes):
        if len(secret) != 32:
            raise ValueError("secret key must be 32 bytes")
        d = _b2i(secret)
        if not 1 <= d < N:
            raise ValueError("secret key out of range")
        self.secret = bytes(secret)
        self._d = d
        self._point = _to_affine(_mul_g(d))
        self._pub = _i2b(self._point[0])

    @classmethod
    def generate(cls):
        while True:
            s = secrets.token_bytes(32)
            if 1 <= _b2i(s) < N:
                return cls(s)

    def pubkey(self) -> bytes:
        """The 32-byte x-only public key."""
        return self._pub

    def sign(self, msg: bytes, aux=None) -> bytes:
        """BIP340 signature of msg (32 bytes for Maillon; any length is allowed, as in the
        BIP340 test vectors). aux: 32 bytes of auxiliary randomness (None: random)."""
        if aux is None:
            aux = secrets.token_bytes(32)
        if len(aux) != 32:
            raise ValueError("aux must be 32 bytes")
        d = self._d if self._point[1] % 2 == 0 else N - self._d
        t = _i2b(d ^ _b2i(tagged_hash("BIP0340/aux", aux)))
        k0 = _b2i(tagged_hash("BIP0340/nonce", t + self._pub + msg)) % N
        if k0 == 0:
            raise ValueError("nonce is zero (negligible probability)")
        R = _to_affine(_mul_g(k0))
        k = k0 if R[1] % 2 == 0 else N - k0
        e = _b2i(tagged_hash("BIP0340/challenge", _i2b(R[0]) + self._pub + msg)) % N
        sig = _i2b(R[0]) + _i2b((k + e * d) % N)
        if not bip340_verify(self._pub, msg, sig):
            raise RuntimeError("BIP340: produced signature does not verify")
        return sig


def bip340_verify(pubkey: bytes, msg: bytes, sig: bytes) -> bool:
    """BIP340 verification, exactly as the BIP specifies."""
    if len(pubkey) != 32 or len(sig) != 64:
        return False
    Pt = lift_x(_b2i(pubkey))
    if Pt is None:
        return False
    r = _b2i(sig[:32])
    s = _b2i(sig[32:])
    if r >= P or s >= N:
        return False
    e = _b2i(tagged_hash("BIP0340/challenge", sig[:32] + pubkey + msg)) % N
    R = _jadd(_mul_g(s), _mul(Pt, N - e))
    Ra = _to_affine(R)
    if Ra is None or Ra[1] % 2 != 0 or Ra[0] != r:
        return False
    return True


# ==========================================================================
# Bech32 / bech32m (BIP173 / BIP350) and addresses (§3)

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3


def _polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (b >> i) & 1 else 0
    return chk


def _hrp_expand(hrp):
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def bech32_encode(hrp: str, data, const=BECH32M_CONST) -> str:
    values = _hrp_expand(hrp) + list(data)
    pm = _polymod(values + [0] * 6) ^ const
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in list(data) + checksum)


def bech32_decode(text: str):
    """Generic BIP173/BIP350 decoding: (hrp lower-case, data 5-bit values without the
    checksum, "bech32" or "bech32m"). Raises ValueError."""
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        raise ValueError("character out of range")
    if text.lower() != text and text.upper() != text:
        raise ValueError("mixed case")
    if len(text) > 90:
        raise ValueError("overall max length exceeded")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 0:
        raise ValueError("no separator character")
    if pos == 0:
        raise ValueError("empty HRP")
    if pos + 7 > len(text):
        raise ValueError("too short checksum")
    hrp = text[:pos]
    try:
        data = [_CHARSET.index(c) for c in text[pos + 1:]]
    except ValueError:
        raise ValueError("invalid data character") from None
    pm = _polymod(_hrp_expand(hrp) + data)
    if pm == BECH32M_CONST:
        kind = "bech32m"
    elif pm == BECH32_CONST:
        kind = "bech32"
    else:
        raise ValueError("invalid checksum")
    return hrp, data[:-6], kind


def convertbits(data, frombits, tobits, pad=True):
    """Regroups bits; without pad, raises ValueError on non-zero or excess padding."""
    acc = 0
    bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for v in data:
        if v < 0 or v >> frombits:
            raise ValueError("value out of range")
        acc = (acc << frombits) | v
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    else:
        if bits >= frombits:
            raise ValueError("excess padding")
        if (acc << (tobits - bits)) & maxv:
            raise ValueError("non-zero padding bits")
    return out


def encode_address(hrp: str, pubkey: bytes) -> str:
    """bech32m(hrp, [0] || convertbits(pubkey, 8->5, pad)) (§3)."""
    if len(pubkey) != 32:
        raise ValueError("a key is 32 bytes")
    return bech32_encode(hrp, [0] + convertbits(pubkey, 8, 5, True), BECH32M_CONST)


def decode_address(hrp: str, text: str) -> bytes:
    """The 32-byte x-only key of an address of network prefix hrp. Raises ValueError on
    every rejection of §3 (and on malformed Bech32 generally)."""
    got_hrp, data, kind = bech32_decode(text)
    if got_hrp != hrp:
        raise ValueError(f"wrong network prefix {got_hrp!r} (expected {hrp!r})")
    if kind != "bech32m":
        raise ValueError("Bech32 (non-m) checksum; addresses use bech32m")
    if not data:
        raise ValueError("no address version")
    if data[0] != 0:
        raise ValueError(f"unknown address version {data[0]}")
    if len(data) - 1 != 52:
        raise ValueError(f"key part is {len(data) - 1} characters, not 52")
    key = bytes(convertbits(data[1:], 5, 8, False))
    if len(key) != 32:
        raise ValueError("key part is not 32 bytes")
    if not is_xonly_point(key):
        raise ValueError("key is not the x coordinate of a curve point")
    return key


# ==========================================================================
# Network parameters (§4.3, §4.4, §5.5, §5.6)


def dev_key() -> PrivateKey:
    """The public dev-network key: TaggedHash("MaillonDevKey", "maillon dev validator 0")."""
    return PrivateKey(tagged_hash("MaillonDevKey", b"maillon dev validator 0"))


_DEV_PUB = dev_key().pubkey()

MIN_TX_FEE = 1000
MAX_TX_SIZE = 4505
MAX_PAYLOAD = 4096
MAX_SIGNERS = 4
MAX_BLOCK_TXS = 10_000
MAX_BLOCK_BYTES = 2 * 1024 * 1024
MAX_VALIDATORS = 128
MAX_TOTAL_POWER = 1 << 60
MAX_VALUE = 8192
MAX_PROOF_SIBLINGS = 256

DEV = {
    "name": "dev", "chain_id": 3, "hrp": "dmln", "min_tx_fee": MIN_TX_FEE,
    "device_bond": 10 * COIN, "credits_per_unit": 1, "device_unbond_blocks": 10, "genesis_time_ms": 1767225600000, "epoch_blocks": 60,
    "allocations": [(_DEV_PUB, 1_000_000 * COIN)],
    "validators": [(_DEV_PUB, 10_000 * COIN)],
    "genesis_hash": "d6e8a43be33a010ada51e65c723a8c47728c7a81dd9dca6358ace30407df458d",
}
TEST = {
    "name": "test", "chain_id": 2, "hrp": "tmln", "min_tx_fee": MIN_TX_FEE,
    "device_bond": 100 * COIN, "credits_per_unit": 1, "device_unbond_blocks": 120_960, "genesis_time_ms": 1795046400000, "epoch_blocks": 17_280,
    "allocations": [], "validators": [],
    "genesis_hash": "e242449e0a78fc30f0e46cf3089425e25cf64502eea543b2d2828b8f0878a2e5",
}
MAIN = {
    "name": "main", "chain_id": 1, "hrp": "mln", "min_tx_fee": MIN_TX_FEE,
    "device_bond": 100 * COIN, "credits_per_unit": 1, "device_unbond_blocks": 120_960, "genesis_time_ms": 1798761600000, "epoch_blocks": 17_280,
    "allocations": [], "validators": [],
    "genesis_hash": "4a2ce44414600ebadecaa13489cb378ed66b901d79c526c06eabf40a5a1df8b7",
}
NETWORKS = {"dev": DEV, "test": TEST, "main": MAIN}


# ==========================================================================
# Canonical encoding (§1)


class Reader:
    """Reads a canonical encoding; every error names the field and the absolute offset of
    that field's first byte: "<field>: <what> (at byte N)"."""

    def __init__(self, data: bytes, base: int = 0):
        self.data = bytes(data)
        self.pos = 0
        self.base = base  # absolute offset of data[0] in the whole message

    def fail(self, name, what, at=None):
        off = self.base + (self.pos if at is None else at)
        raise ValueError(f"{name}: {what} (at byte {off})")

    def left(self):
        return len(self.data) - self.pos

    def raw(self, n, name):
        if self.left() < n:
            self.fail(name, f"truncated: need {n} bytes, {self.left()} left")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self, name):
        return self.raw(1, name)[0]

    def u32(self, name):
        return int.from_bytes(self.raw(4, name), "little")

    def u64(self, name):
        return int.from_bytes(self.raw(8, name), "little")

    def varint(self, name):
        start = self.pos
        value = 0
        for i in range(10):
            if self.pos >= len(self.data):
                self.fail(name, "truncated varint", start)
            b = self.data[self.pos]
            self.pos += 1
            if i == 9 and b > 1:
                self.fail(name, "varint above 2^64-1" if b & 0x80 == 0 or b > 0x81
                          else "varint longer than 10 bytes", start)
            value |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                if b == 0 and i > 0:
                    self.fail(name, "non-minimal varint", start)
                return value
        self.fail(name, "varint longer than 10 bytes", start)

    def bytes_(self, name, limit):
        start = self.pos
        n = self.varint(name)
        if n > limit:
            self.fail(name, f"length {n} above the limit {limit}", start)
        if self.left() < n:
            self.fail(name, f"truncated: need {n} bytes, {self.left()} left", start)
        return self.raw(n, name)

    def end(self, name):
        if self.left():
            self.fail(name, f"trailing bytes: {self.left()} left over")


def enc_varint(v: int) -> bytes:
    if not 0 <= v <= U64_MAX:
        raise ValueError("varint out of range")
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def enc_bytes(b: bytes) -> bytes:
    return enc_varint(len(b)) + b


def u8(v):
    return bytes([v])


def u32(v):
    return v.to_bytes(4, "little")


def u64(v):
    return v.to_bytes(8, "little")


# ==========================================================================
# Transactions (§4)

TX_TRANSFER = 1
TX_REGISTER_DEVICE = 2
TX_BUY_CREDITS = 3
TX_RETIRE_DEVICE = 4
TX_TYPES = {
    TX_TRANSFER: ("transfer", ("sender",)),
    TX_REGISTER_DEVICE: ("register_device", ("owner", "device")),
    TX_BUY_CREDITS: ("buy_credits", ("sender",)),
    TX_RETIRE_DEVICE: ("retire_device", ("owner",)),
}
DEVICE_KINDS = 1 | 2 | 4


@dataclass
class Tx:
    version: int
    type: int
    chain_id: int
    fee: int
    nonce: int
    signers: list
    payload: bytes
    signatures: list
    fields: dict = field(default_factory=dict)  # the payload's decoded fields

    # payload field shortcuts
    def __getattr__(self, name):
        f = self.__dict__.get("fields", {})
        if name in f:
            return f[name]
        raise AttributeError(name)

    @property
    def type_name(self):
        return TX_TYPES[self.type][0]

    @property
    def roles(self):
        return TX_TYPES[self.type][1]

    @property
    def payer(self):
        return self.signers[0]

    def cost(self):
        if self.type == TX_TRANSFER:
            return self.fields["amount"]
        if self.type == TX_REGISTER_DEVICE:
            return self.fields["bond"]
        if self.type == TX_BUY_CREDITS:
            return self.fields["amount"]
        if self.type == TX_RETIRE_DEVICE:
            return 0
        raise ValueError("unknown type")

    def signing_data(self) -> bytes:
        """Every byte before the signatures (§4.2)."""
        return (u8(self.version) + u8(self.type) + u32(self.chain_id) + u64(self.fee) +
                u64(self.nonce) + enc_varint(len(self.signers)) + b"".join(self.signers) +
                enc_bytes(self.payload))

    def sighash(self) -> bytes:
        return tagged_hash("MaillonTxSig", self.signing_data())

    def sign(self, role_index: int, key: PrivateKey, aux=None):
        """Signs the sighash with key as role role_index (the key must be that role's)."""
        if key.pubkey() != self.signers[role_index]:
            raise ValueError(f"key is not the signer of role {role_index}")
        self.signatures[role_index] = key.sign(self.sighash(), aux)
        return self

    def serialize(self) -> bytes:
        return self.signing_data() + b"".join(self.signatures)

    def txid(self) -> bytes:
        return tagged_hash("MaillonTxId", self.serialize())

    def size(self):
        return len(self.serialize())


def _make_tx(tx_type, chain_id, signers, payload, fee, nonce, fields):
    return Tx(1, tx_type, chain_id, fee, nonce, list(signers), payload,
              [bytes(64)] * len(signers), dict(fields))


def transfer(chain_id, sender_pub, to_pub, amount, fee, nonce) -> Tx:
    """An unsigned transfer (type 1); sign it with .sign(0, key)."""
    return _make_tx(TX_TRANSFER, chain_id, [sender_pub], bytes(to_pub) + u64(amount), fee, nonce,
                    {"to": bytes(to_pub), "amount": amount})


def register_device(chain_id, owner_pub, device_pub, kinds, bond, fee, nonce) -> Tx:
    """An unsigned register_device (type 2); roles 0 = owner, 1 = device."""
    return _make_tx(TX_REGISTER_DEVICE, chain_id, [owner_pub, device_pub], u8(kinds) + u64(bond),
                    fee, nonce, {"kinds": kinds, "bond": bond})


def buy_credits(chain_id, buyer_pub, amount, fee, nonce) -> Tx:
    """An unsigned buy_credits (type 3); sign it with .sign(0, key)."""
    return _make_tx(TX_BUY_CREDITS, chain_id, [buyer_pub], u64(amount), fee, nonce,
                    {"amount": amount})


def retire_device(chain_id, owner_pub, device_pub, fee, nonce) -> Tx:
    """An unsigned retire_device (type 4); sign it with .sign(0, owner key)."""
    return _make_tx(TX_RETIRE_DEVICE, chain_id, [owner_pub], bytes(device_pub), fee, nonce,
                    {"device": bytes(device_pub)})


def _decode_payload(tx_type, payload, base):
    r = Reader(payload, base)
    if tx_type == TX_TRANSFER:
        f = {"to": r.raw(32, "transfer.to"), "amount": r.u64("transfer.amount")}
        r.end("transfer")
    elif tx_type == TX_REGISTER_DEVICE:
        f = {"kinds": r.u8("register_device.kinds"), "bond": r.u64("register_device.bond")}
        r.end("register_device")
    elif tx_type == TX_BUY_CREDITS:
        f = {"amount": r.u64("buy_credits.amount")}
        r.end("buy_credits")
    else:
        f = {"device": r.raw(32, "retire_device.device")}
        r.end("retire_device")
    return f


def _read_tx(r: Reader) -> Tx:
    version = r.u8("tx.version")
    if version != 1:
        r.fail("tx.version", f"unknown transaction version {version}", r.pos - 1)
    tx_type = r.u8("tx.type")
    if tx_type not in TX_TYPES:
        r.fail("tx.type", f"unknown transaction type {tx_type} (known: 1 = transfer, "
               "2 = register_device, 3 = buy_credits, 4 = retire_device, 5 = heartbeat, 6 = bandwidth_receipt, 7 = storage_deal, 8 = storage_proof)", r.pos - 1)
    chain_id = r.u32("tx.chain_id")
    fee = r.u64("tx.fee")
    nonce = r.u64("tx.nonce")
    start = r.pos
    count = r.varint("tx.count")
    roles = TX_TYPES[tx_type][1]
    if count > MAX_SIGNERS:
        r.fail("tx.count", f"{count} signers, at most {MAX_SIGNERS}", start)
    if count != len(roles):
        r.fail("tx.count", f"{count} signers, {TX_TYPES[tx_type][0]} has {len(roles)} roles",
               start)
    signers = [r.raw(32, "tx.signers") for _ in range(count)]
    payload = r.bytes_("tx.payload", MAX_PAYLOAD)
    payload_base = r.base + r.pos - len(payload)  # nested offsets count from the tx's start
    fields = _decode_payload(tx_type, payload, payload_base)
    sigs = [r.raw(64, "tx.signatures") for _ in range(count)]
    return Tx(version, tx_type, chain_id, fee, nonce, signers, payload, sigs, fields)


def decode_transaction(raw: bytes) -> Tx:
    """Decodes one transaction, enforcing every rejection of §1/§4.1 (ValueError)."""
    raw = bytes(raw)
    if len(raw) > MAX_TX_SIZE:
        raise ValueError(f"tx: {len(raw)} bytes, above the maximum {MAX_TX_SIZE} (at byte 0)")
    r = Reader(raw)
    tx = _read_tx(r)
    r.end("tx")
    return tx


def check_stateless(tx: Tx, params) -> str | None:
    """§4.3 step 2: the first failing reason code, or None."""
    if tx.chain_id != params["chain_id"]:
        return "wrong-chain"
    if tx.fee < params["min_tx_fee"]:
        return "fee-too-low"
    if len(set(tx.signers)) != len(tx.signers):
        return "duplicate-signer"
    if tx.type == TX_TRANSFER:
        if tx.fields["amount"] == 0:
            return "zero-amount"
        if tx.fields["to"] == tx.signers[0]:
            return "self-transfer"
        if not is_xonly_point(tx.fields["to"]):
            return "bad-recipient"
    elif tx.type == TX_REGISTER_DEVICE:
        kinds = tx.fields["kinds"]
        if kinds == 0 or kinds & ~DEVICE_KINDS:
            return "bad-device-kinds"
        if tx.fields["bond"] != params["device_bond"]:
            return "wrong-device-bond"
    elif tx.type == TX_BUY_CREDITS:
        if tx.fields["amount"] == 0:
            return "zero-amount"
        if tx.fields["amount"] * params["credits_per_unit"] > U64_MAX:
            return "amount-overflow"
    if tx.cost() + tx.fee > U64_MAX:
        return "amount-overflow"
    return None


def check_signatures(tx: Tx):
    """§4.3 step 3: None, or the index of the first role whose signature fails."""
    h = tx.sighash()
    for i, (key, sig) in enumerate(zip(tx.signers, tx.signatures)):
        if not bip340_verify(key, h, sig):
            return i
    return None


def tx_to_json(tx: Tx, hrp: str) -> dict:
    """The JSON shape of §4.5."""
    if tx.type == TX_TRANSFER:
        payload = {"to": encode_address(hrp, tx.fields["to"]), "amount": tx.fields["amount"]}
    elif tx.type == TX_REGISTER_DEVICE:
        payload = {"kinds": tx.fields["kinds"], "bond": tx.fields["bond"]}
    elif tx.type == TX_BUY_CREDITS:
        payload = {"amount": tx.fields["amount"]}
    else:
        payload = {"device": encode_address(hrp, tx.fields["device"])}
    return {
        "txid": tx.txid().hex(), "version": tx.version, "type": tx.type_name,
        "chain_id": tx.chain_id, "fee": tx.fee, "nonce": tx.nonce,
        "signers": [{"role": role, "address": encode_address(hrp, k), "signature": s.hex()}
                    for role, k, s in zip(tx.roles, tx.signers, tx.signatures)],
        "payload": payload, "sighash": tx.sighash().hex(), "size": tx.size(),
    }


# ==========================================================================
# Validator sets (§5.4)


@dataclass
class ValidatorSet:
    validators: list  # [(key32, power)], keys strictly ascending

    def encode(self) -> bytes:
        return enc_varint(len(self.validators)) + b"".join(
            k + u64(p) for k, p in self.validators)

    def hash(self) -> bytes:
        return tagged_hash("MaillonValidatorSet", self.encode())

    def total_power(self):
        return sum(p for _, p in self.validators)

    def keys(self):
        return [k for k, _ in self.validators]

    @classmethod
    def from_pairs(cls, pairs):
        vs = cls(sorted((bytes(k), p) for k, p in pairs))
        vs.validate()
        return vs

    def validate(self):
        if len(self.validators) > MAX_VALIDATORS:
            raise ValueError("validators: too many")
        for i, (k, p) in enumerate(self.validators):
            if p < 1:
                raise ValueError(f"validators[{i}].power: must be at least 1")
            if i and k <= self.validators[i - 1][0]:
                raise ValueError(f"validators[{i}].key: keys not strictly ascending")
        if self.total_power() > MAX_TOTAL_POWER:
            raise ValueError("validators: total power above 2^60")


def _read_validator_set(r: Reader, prefix="validators"):
    start = r.pos
    count = r.varint(f"{prefix}.count")
    if count > MAX_VALIDATORS:
        r.fail(f"{prefix}.count", f"{count} validators, at most {MAX_VALIDATORS}", start)
    vals = []
    total = 0
    for i in range(count):
        kpos = r.pos
        k = r.raw(32, f"{prefix}.key")
        if vals and k <= vals[-1][0]:
            r.fail(f"{prefix}.key", "keys not strictly ascending", kpos)
        ppos = r.pos
        p = r.u64(f"{prefix}.power")
        if p < 1:
            r.fail(f"{prefix}.power", "power must be at least 1", ppos)
        total += p
        if total > MAX_TOTAL_POWER:
            r.fail(f"{prefix}.power", "total power above 2^60", ppos)
        vals.append((k, p))
    return ValidatorSet(vals)


def decode_validator_set(data: bytes) -> ValidatorSet:
    r = Reader(data)
    vs = _read_validator_set(r)
    r.end("validators")
    return vs


# ==========================================================================
# Votes and commit certificates (§5.3)

VOTE_PREVOTE = 1
VOTE_PRECOMMIT = 2


def vote_hash(chain_id, vote_type, height, round_, block_hash) -> bytes:
    return tagged_hash("MaillonVote", u32(chain_id) + u8(vote_type) + u64(height) +
                       u32(round_) + bytes(block_hash))


@dataclass
class Certificate:
    height: int
    round: int
    block_hash: bytes
    signatures: list  # [(validator_index, sig64)], indices strictly ascending

    def encode(self) -> bytes:
        return (u64(self.height) + u32(self.round) + self.block_hash +
                enc_varint(len(self.signatures)) +
                b"".join(enc_varint(i) + s for i, s in self.signatures))

    def hash(self) -> bytes:
        return tagged_hash("MaillonCommit", self.encode())


ZERO_CERTIFICATE = Certificate(0, 0, bytes(32), [])


def _read_certificate(r: Reader, prefix="commit"):
    height = r.u64(f"{prefix}.height")
    round_ = r.u32(f"{prefix}.round")
    block_hash = r.raw(32, f"{prefix}.block_hash")
    start = r.pos
    count = r.varint(f"{prefix}.count")
    if count > MAX_VALIDATORS:
        r.fail(f"{prefix}.count", f"{count} signatures, at most {MAX_VALIDATORS}", start)
    sigs = []
    for _ in range(count):
        ipos = r.pos
        idx = r.varint(f"{prefix}.validator_index")
        if idx >= MAX_VALIDATORS:
            r.fail(f"{prefix}.validator_index", f"index {idx} not below {MAX_VALIDATORS}", ipos)
        if sigs and idx <= sigs[-1][0]:
            r.fail(f"{prefix}.validator_index", "indices not strictly ascending", ipos)
        sigs.append((idx, r.raw(64, f"{prefix}.signature")))
    return Certificate(height, round_, block_hash, sigs)


def decode_certificate(data: bytes) -> Certificate:
    r = Reader(data)
    c = _read_certificate(r)
    r.end("commit")
    return c


def verify_commit(cert: Certificate, validator_set: ValidatorSet, chain_id, height, block_hash,
                  check_signatures=True):
    """Raises ValueError unless cert finalizes block_hash at height: height and hash match,
    every index is inside the set, the signers are a quorum (3 * signed > 2 * total) and,
    if check_signatures, every signature is a BIP340 precommit by set[index].key."""
    if cert.height != height:
        raise ValueError(f"certificate is for height {cert.height}, not {height}")
    if cert.block_hash != bytes(block_hash):
        raise ValueError("certificate is for another block hash")
    vals = validator_set.validators
    signed = 0
    last = -1
    for idx, _ in cert.signatures:
        if idx <= last:
            raise ValueError("certificate indices not strictly ascending")
        last = idx
        if idx >= len(vals):
            raise ValueError(f"certificate index {idx} outside the set of {len(vals)}")
        signed += vals[idx][1]
    total = validator_set.total_power()
    if not 3 * signed > 2 * total:
        raise ValueError(f"certificate signers hold {signed} of {total} power: no quorum")
    if check_signatures:
        h = vote_hash(chain_id, VOTE_PRECOMMIT, cert.height, cert.round, cert.block_hash)
        for idx, sig in cert.signatures:
            if not bip340_verify(vals[idx][0], h, sig):
                raise ValueError(f"certificate signature of validator {idx} does not verify")
    return True


# ==========================================================================
# Blocks (§5.1, §5.2)

HEADER_SIZE = 248


@dataclass
class Header:
    version: int
    chain_id: int
    height: int
    time_ms: int
    parent: bytes
    proposer: bytes
    validators_hash: bytes
    next_validators_hash: bytes
    last_commit_hash: bytes
    tx_root: bytes
    state_root: bytes

    def encode(self) -> bytes:
        return (u32(self.version) + u32(self.chain_id) + u64(self.height) + u64(self.time_ms) +
                self.parent + self.proposer + self.validators_hash +
                self.next_validators_hash + self.last_commit_hash + self.tx_root +
                self.state_root)

    def hash(self) -> bytes:
        return tagged_hash("MaillonBlockHash", self.encode())


def _read_header(r: Reader):
    vpos = r.pos
    version = r.u32("header.version")
    if version != 1:
        r.fail("header.version", f"unknown header version {version}", vpos)
    return Header(version, r.u32("header.chain_id"), r.u64("header.height"),
                  r.u64("header.time_ms"), r.raw(32, "header.parent"),
                  r.raw(32, "header.proposer"), r.raw(32, "header.validators_hash"),
                  r.raw(32, "header.next_validators_hash"), r.raw(32, "header.last_commit_hash"),
                  r.raw(32, "header.tx_root"), r.raw(32, "header.state_root"))


def decode_header(data: bytes) -> Header:
    r = Reader(data)
    h = _read_header(r)
    r.end("header")
    return h


def header_hash(data: bytes) -> bytes:
    return decode_header(data).hash()


@dataclass
class Block:
    header: Header
    last_commit: Certificate
    txs: list

    def encode(self) -> bytes:
        return encode_block(self)

    def hash(self) -> bytes:
        return self.header.hash()


def encode_block(block: Block) -> bytes:
    return (block.header.encode() + block.last_commit.encode() + enc_varint(len(block.txs)) +
            b"".join(tx.serialize() for tx in block.txs))


def decode_block(data: bytes) -> Block:
    """header | last_commit | varint tx count (<= 10,000) | transactions, each in its own
    (self-delimiting) encoding, back to back."""
    data = bytes(data)
    if len(data) > MAX_BLOCK_BYTES:
        raise ValueError(f"block: {len(data)} bytes, above {MAX_BLOCK_BYTES} (at byte 0)")
    r = Reader(data)
    header = _read_header(r)
    cert = _read_certificate(r, "block.last_commit")
    start = r.pos
    count = r.varint("block.tx_count")
    if count > MAX_BLOCK_TXS:
        r.fail("block.tx_count", f"{count} transactions, at most {MAX_BLOCK_TXS}", start)
    txs = []
    for _ in range(count):
        tpos = r.pos
        tx = _read_tx(r)
        if r.pos - tpos > MAX_TX_SIZE:
            r.fail("tx", "above the maximum transaction size", tpos)
        txs.append(tx)
    r.end("block")
    return Block(header, cert, txs)


def merkle_root(txids) -> bytes:
    """§5.2: leaves TaggedHash(Leaf, txid); pairs TaggedHash(Node, l || r); an odd last node
    moves up unchanged; no transactions -> 32 zero bytes."""
    level = [tagged_hash("MaillonMerkleLeaf", bytes(t)) for t in txids]
    if not level:
        return bytes(32)
    while len(level) > 1:
        nxt = [tagged_hash("MaillonMerkleNode", level[i] + level[i + 1])
               for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


# ==========================================================================
# State (§6)

TAG_ACCOUNT = 1
TAG_SUPPLY = 2
TAG_VALIDATORS = 3
TAG_LAST_VALIDATORS = 4
TAG_DEVICE = 5
TAG_RETIREMENT = 6


def state_key(tag: int, identifier: bytes = b"") -> bytes:
    return tagged_hash("MaillonStateKey", u8(tag) + bytes(identifier))


def account_key(pubkey: bytes) -> bytes:
    return state_key(TAG_ACCOUNT, pubkey)


def device_key(pubkey: bytes) -> bytes:
    return state_key(TAG_DEVICE, pubkey)


def retirement_key(pubkey: bytes) -> bytes:
    return state_key(TAG_RETIREMENT, pubkey)


SUPPLY_KEY = state_key(TAG_SUPPLY)
VALIDATORS_KEY = state_key(TAG_VALIDATORS)
LAST_VALIDATORS_KEY = state_key(TAG_LAST_VALIDATORS)


def _record_reader(value: bytes, name: str) -> Reader:
    """A Reader past a record's version byte (1, §6.2)."""
    r = Reader(value)
    ver = r.u8(f"{name}.version")
    if ver != 1:
        r.fail(f"{name}.version", f"unknown {name} version {ver}", 0)
    return r


def encode_account(balance, nonce, credits=0) -> bytes:
    return u8(1) + u64(balance) + u64(nonce) + u64(credits)


def decode_account(value: bytes) -> dict:
    r = _record_reader(value, "account")
    a = {"balance": r.u64("account.balance"), "nonce": r.u64("account.nonce"),
         "credits": r.u64("account.credits")}
    r.end("account")
    return a


def encode_supply(genesis, minted, burned, locked) -> bytes:
    return u8(1) + u64(genesis) + u64(minted) + u64(burned) + u64(locked)


def decode_supply(value: bytes) -> dict:
    r = _record_reader(value, "supply")
    s = {k: r.u64("supply." + k) for k in ("genesis", "minted", "burned", "locked")}
    r.end("supply")
    return s


def encode_validators_record(vs: ValidatorSet) -> bytes:
    return u8(1) + vs.encode()


def decode_validators_record(value: bytes) -> ValidatorSet:
    r = _record_reader(value, "validators")
    vs = _read_validator_set(r)
    r.end("validators")
    return vs


def encode_device(owner, kinds, bond, registered_height) -> bytes:
    return u8(1) + bytes(owner) + u8(kinds) + u64(bond) + u64(registered_height)


def decode_device(value: bytes) -> dict:
    r = _record_reader(value, "device")
    d = {"owner": r.raw(32, "device.owner"), "kinds": r.u8("device.kinds"),
         "bond": r.u64("device.bond"), "registered_height": r.u64("device.registered_height")}
    r.end("device")
    return d


def key_bit(key: bytes, i: int) -> int:
    """Bit i of a key: bit 7 - (i mod 8) of byte i div 8."""
    return (key[i >> 3] >> (7 - (i & 7))) & 1


def leaf_hash(key: bytes, value_hash: bytes) -> bytes:
    return tagged_hash("MaillonStateLeaf", bytes(key) + bytes(value_hash))


def node_hash(left: bytes, right: bytes) -> bytes:
    return tagged_hash("MaillonStateNode", left + right)


ZERO32 = bytes(32)


def _subtree(items, depth):
    """items: sorted list of (key, value_hash) sharing their first `depth` bits."""
    if not items:
        return ZERO32
    if len(items) == 1:
        return leaf_hash(*items[0])
    split = 0
    while split < len(items) and key_bit(items[split][0], depth) == 0:
        split += 1
    return node_hash(_subtree(items[:split], depth + 1), _subtree(items[split:], depth + 1))


def state_root(records: dict) -> bytes:
    """The root of the compressed sparse Merkle tree over {key32: value} (§6.3)."""
    for k, v in records.items():
        if len(k) != 32:
            raise ValueError("state keys are 32 bytes")
        if len(v) > MAX_VALUE:
            raise ValueError("state value above 8192 bytes")
    items = sorted((bytes(k), sha256(v)) for k, v in records.items())
    return _subtree(items, 0)


def make_state_proof(records: dict, key: bytes) -> bytes:
    """The §6.4 proof for key in records (present or absent), as a node would serve it."""
    key = bytes(key)
    items = sorted((bytes(k), bytes(v)) for k, v in records.items())
    siblings = []
    depth = 0
    while True:
        if not items:
            tail = u8(0)
            break
        if len(items) == 1:
            k, v = items[0]
            tail = u8(1) + enc_bytes(v) if k == key else u8(2) + k + sha256(v)
            break
        left = [it for it in items if key_bit(it[0], depth) == 0]
        right = [it for it in items if key_bit(it[0], depth) == 1]
        side, other = (left, right) if key_bit(key, depth) == 0 else (right, left)
        siblings.append(_subtree([(k, sha256(v)) for k, v in other], depth + 1))
        items = side
        depth += 1
    return enc_varint(len(siblings)) + b"".join(siblings) + tail


@dataclass
class StateProof:
    siblings: list
    kind: int
    value: bytes = None
    other_key: bytes = None
    other_value_hash: bytes = None


def decode_state_proof(data: bytes) -> StateProof:
    r = Reader(data)
    start = r.pos
    n = r.varint("proof.n")
    if n > MAX_PROOF_SIBLINGS:
        r.fail("proof.n", f"{n} siblings, at most {MAX_PROOF_SIBLINGS}", start)
    sibs = [r.raw(32, "proof.sibling") for _ in range(n)]
    kpos = r.pos
    kind = r.u8("proof.kind")
    if kind == 0:
        p = StateProof(sibs, 0)
    elif kind == 1:
        p = StateProof(sibs, 1, value=r.bytes_("proof.value", MAX_VALUE))
    elif kind == 2:
        p = StateProof(sibs, 2, other_key=r.raw(32, "proof.other_key"),
                       other_value_hash=r.raw(32, "proof.other_value_hash"))
    else:
        r.fail("proof.kind", f"unknown proof kind {kind}", kpos)
    r.end("proof")
    return p


def verify_state_proof(root: bytes, key: bytes, proof_bytes: bytes):
    """§7 step 3 for any key: the proven value (bytes), or None when proven absent.
    Raises ValueError when the proof is malformed or does not lead to root."""
    key = bytes(key)
    p = decode_state_proof(proof_bytes)
    n = len(p.siblings)
    if n > MAX_PROOF_SIBLINGS:
        raise ValueError("proof: more than 256 siblings")
    if n > 0 and p.siblings[-1] == ZERO32:
        raise ValueError("proof: the last sibling is empty (a terminal's parent holds two keys)")
    if p.kind == 1:
        if len(p.value) > MAX_VALUE:
            raise ValueError("proof: value above 8192 bytes")
        h = leaf_hash(key, sha256(p.value))
    elif p.kind == 0:
        if n >= 256:
            raise ValueError("proof: an empty subtree cannot sit at depth 256")
        h = ZERO32
    elif p.kind == 2:
        if p.other_key == key:
            raise ValueError("proof: the 'other' leaf is the key's own leaf")
        for i in range(n):
            if key_bit(p.other_key, i) != key_bit(key, i):
                raise ValueError(f"proof: the other leaf's key leaves the key's path at bit {i}")
        h = leaf_hash(p.other_key, p.other_value_hash)
    else:
        raise ValueError(f"proof: unknown kind {p.kind}")
    for i in range(n - 1, -1, -1):
        s = p.siblings[i]
        h = node_hash(h, s) if key_bit(key, i) == 0 else node_hash(s, h)
    if h != bytes(root):
        raise ValueError("proof: does not lead to the state root")
    return p.value if p.kind == 1 else None


# ==========================================================================
# Genesis and block execution (§4.3, §4.4, §5.5, §5.6)


def genesis_validator_set(params) -> ValidatorSet:
    return ValidatorSet.from_pairs(params["validators"])


def genesis_records(params) -> dict:
    """The genesis state of §5.6 as {key: value}."""
    recs = {}
    alloc_total = 0
    for pub, amount in params["allocations"]:
        k = account_key(pub)
        prev = decode_account(recs[k])["balance"] if k in recs else 0
        recs[k] = encode_account(prev + amount, 0, 0)
        alloc_total += amount
    vs = genesis_validator_set(params)
    stake = vs.total_power()
    recs[VALIDATORS_KEY] = encode_validators_record(vs)
    recs[LAST_VALIDATORS_KEY] = encode_validators_record(vs)
    recs[SUPPLY_KEY] = encode_supply(alloc_total + stake, 0, 0, stake)
    return recs


def genesis_header(params) -> Header:
    vs_hash = genesis_validator_set(params).hash()
    return Header(1, params["chain_id"], 0, params["genesis_time_ms"], ZERO32, ZERO32, vs_hash,
                  vs_hash, ZERO_CERTIFICATE.hash(), ZERO32, state_root(genesis_records(params)))


def genesis_hash(params) -> bytes:
    return genesis_header(params).hash()


def get_account(records, pub) -> dict:
    v = records.get(account_key(pub))
    return decode_account(v) if v is not None else {"balance": 0, "nonce": 0, "credits": 0}


def put_account(records, pub, acct):
    k = account_key(pub)
    if acct["balance"] == 0 and acct["nonce"] == 0 and acct["credits"] == 0:
        records.pop(k, None)  # an all-zero account is not stored
    else:
        records[k] = encode_account(acct["balance"], acct["nonce"], acct["credits"])


class BlockError(ValueError):
    """A block or transaction rule failed; .reason is the §8 reason code."""

    def __init__(self, reason, msg=""):
        super().__init__(f"{reason}: {msg}" if msg else reason)
        self.reason = reason


def apply_transaction(records, tx: Tx, height, proposer, params):
    """§4.3 step 4 and the effect; atomic (records unchanged on BlockError)."""
    work = dict(records)
    payer = get_account(work, tx.payer)
    if tx.nonce < payer["nonce"]:
        raise BlockError("nonce-too-low", f"nonce {tx.nonce}, account at {payer['nonce']}")
    if tx.nonce > payer["nonce"]:
        raise BlockError("nonce-too-high", f"nonce {tx.nonce}, account at {payer['nonce']}")
    total = tx.cost() + tx.fee
    if payer["balance"] < total:
        raise BlockError("insufficient-funds")
    if tx.type == TX_REGISTER_DEVICE and device_key(tx.signers[1]) in work:
        raise BlockError("device-already-registered")
    payer["balance"] -= total
    payer["nonce"] += 1
    put_account(work, tx.payer, payer)
    prop = get_account(work, proposer)
    if prop["balance"] + tx.fee > U64_MAX:
        raise BlockError("amount-overflow", "proposer balance")
    prop["balance"] += tx.fee
    put_account(work, proposer, prop)
    if tx.type == TX_TRANSFER:
        to = get_account(work, tx.fields["to"])
        if to["balance"] + tx.fields["amount"] > U64_MAX:
            raise BlockError("amount-overflow", "recipient balance")
        to["balance"] += tx.fields["amount"]
        put_account(work, tx.fields["to"], to)
    elif tx.type == TX_REGISTER_DEVICE:
        owner, device = tx.signers
        work[device_key(device)] = encode_device(owner, tx.fields["kinds"], tx.fields["bond"],
                                                 height)
        sup = decode_supply(work[SUPPLY_KEY])
        sup["locked"] += tx.fields["bond"]
        work[SUPPLY_KEY] = encode_supply(sup["genesis"], sup["minted"], sup["burned"],
                                         sup["locked"])
    elif tx.type == TX_RETIRE_DEVICE:
        _retire_device(work, tx, height, params)
    elif tx.type == TX_BUY_CREDITS:
        buyer = get_account(work, tx.payer)
        buyer["credits"] += tx.fields["amount"] * params["credits_per_unit"]
        if buyer["credits"] > U64_MAX:
            raise BlockError("amount-overflow", "buyer credits")
        put_account(work, tx.payer, buyer)
        sup = decode_supply(work[SUPPLY_KEY])
        sup["burned"] += tx.fields["amount"]
        work[SUPPLY_KEY] = encode_supply(sup["genesis"], sup["minted"], sup["burned"],
                                         sup["locked"])
    records.clear()
    records.update(work)


def _retire_device(work, tx, height, params):
    """retire_device's two steps (§4.4) on work, in place."""
    device = tx.fields["device"]
    if device_key(device) not in work:
        raise BlockError("device-not-registered")
    rec = decode_device(work[device_key(device)])
    if rec["owner"] != tx.payer:
        raise BlockError("not-device-owner")
    if retirement_key(device) not in work:
        work[retirement_key(device)] = u8(1) + u64(height)
        return
    retired = _record_reader(work[retirement_key(device)], "retirement")
    retired_height = retired.u64("retirement.retired_height")
    if height < retired_height + params["device_unbond_blocks"]:
        raise BlockError("bond-still-locked")
    owner = get_account(work, rec["owner"])
    owner["balance"] += rec["bond"]
    if owner["balance"] > U64_MAX:
        raise BlockError("amount-overflow", "owner balance")
    put_account(work, rec["owner"], owner)
    sup = decode_supply(work[SUPPLY_KEY])
    work[SUPPLY_KEY] = encode_supply(sup["genesis"], sup["minted"], sup["burned"],
                                     sup["locked"] - rec["bond"])
    del work[device_key(device)]
    del work[retirement_key(device)]


def apply_block(records: dict, block: Block, params, parent: Header = None,
                verify_signatures=False):
    """Executes a decoded block on records (the parent's state), in place, as §5.5 says.
    Checks what it can (header vs parent when given, tx root, last commit hash, certificate
    target, stateless tx rules, validators hashes, state rules); signatures only when
    verify_signatures. Raises BlockError. Does not compare state_root: the caller does
    (state_root(records) == block.header.state_root)."""
    h = block.header
    if h.version != 1:
        raise BlockError("bad-version")
    if h.chain_id != params["chain_id"]:
        raise BlockError("wrong-chain")
    if parent is not None:
        if h.height != parent.height + 1:
            raise BlockError("bad-height")
        if h.parent != parent.hash():
            raise BlockError("bad-parent")
        if h.time_ms <= parent.time_ms:
            raise BlockError("time-too-old")
    if len(block.txs) > MAX_BLOCK_TXS:
        raise BlockError("too-many-txs")
    if len(encode_block(block)) > MAX_BLOCK_BYTES:
        raise BlockError("block-too-big")
    if merkle_root([t.txid() for t in block.txs]) != h.tx_root:
        raise BlockError("bad-tx-root")
    if block.last_commit.hash() != h.last_commit_hash:
        raise BlockError("bad-last-commit-hash")
    if block.last_commit.height != h.height - 1 or block.last_commit.block_hash != h.parent:
        raise BlockError("bad-commit", "certificate is not for the parent")
    ids = [t.txid() for t in block.txs]
    if len(set(ids)) != len(ids):
        raise BlockError("duplicate-tx")
    for i, tx in enumerate(block.txs):
        reason = check_stateless(tx, params)
        if reason:
            raise BlockError(reason, f"transaction {i}")
    validators = decode_validators_record(records[VALIDATORS_KEY])
    if h.validators_hash != validators.hash():
        raise BlockError("bad-validators-hash")
    # begin-block
    last_validators = decode_validators_record(records[LAST_VALIDATORS_KEY])
    cert = block.last_commit
    if h.height == 1:
        if cert.signatures or cert.round != 0:
            raise BlockError("bad-commit", "genesis's certificate has no signatures, round 0")
    else:
        try:
            verify_commit(cert, last_validators, params["chain_id"], h.height - 1, h.parent,
                          check_signatures=verify_signatures)
        except ValueError as e:
            raise BlockError("bad-commit", str(e)) from None
    if h.proposer not in validators.keys():
        raise BlockError("bad-proposer")
    for i, tx in enumerate(block.txs):
        try:
            apply_transaction(records, tx, h.height, h.proposer, params)
        except BlockError as e:
            raise BlockError(e.reason, f"transaction {i}: {e}") from None
    # end-block
    if records[LAST_VALIDATORS_KEY] != records[VALIDATORS_KEY]:
        records[LAST_VALIDATORS_KEY] = records[VALIDATORS_KEY]
    if verify_signatures:
        for i, tx in enumerate(block.txs):
            bad = check_signatures(tx)
            if bad is not None:
                raise BlockError("bad-signature", f"transaction {i}, role {tx.roles[bad]}")
    after = decode_validators_record(records[VALIDATORS_KEY])
    if h.next_validators_hash != after.hash():
        raise BlockError("bad-next-validators-hash")


def supply_invariant_holds(records) -> bool:
    """§6.2: sum of balances + locked + burned = genesis + minted."""
    s = decode_supply(records[SUPPLY_KEY])
    balances = 0
    for k, v in records.items():
        if k in (SUPPLY_KEY, VALIDATORS_KEY, LAST_VALIDATORS_KEY):
            continue
        if len(v) == 25 and v[0] == 1:
            balances += decode_account(v)["balance"]
    return balances + s["locked"] + s["burned"] == s["genesis"] + s["minted"]


# ==========================================================================
# Light client (§7)


def _hex(reply, name):
    v = reply.get(name)
    if not isinstance(v, str):
        raise ValueError(f"reply.{name}: missing or not a string")
    try:
        return bytes.fromhex(v)
    except ValueError:
        raise ValueError(f"reply.{name}: not hex") from None


def verify_account_proof(params, pubkey: bytes, reply: dict, height=None):
    """§7: checks a getproof reply for pubkey trusting nothing but params; returns the proven
    account {balance, nonce, credits} or None when proven absent. Raises ValueError.
    height: the height asked for (None: whatever the reply says; it cannot be checked)."""
    try:
        header = decode_header(_hex(reply, "header"))
    except ValueError as e:
        raise ValueError(f"header: does not decode: {e}") from None
    bh = header.hash()
    if _hex(reply, "blockhash") != bh:
        raise ValueError("header: its hash is not the reported blockhash")
    if header.chain_id != params["chain_id"]:
        raise ValueError(f"header: chain id {header.chain_id}, not {params['chain_id']}")
    want = height if height is not None else reply.get("height")
    if header.height != want:
        raise ValueError(f"header: height {header.height}, not the requested {want}")
    if height is not None and reply.get("height") != height:
        raise ValueError("reply: reported height is not the requested one")
    # Finality
    if header.height == 0:
        if bh.hex() != params["genesis_hash"]:
            raise ValueError("finality: height 0 but not the network's genesis")
    else:
        try:
            vs = decode_validator_set(_hex(reply, "validators"))
        except ValueError as e:
            raise ValueError(f"finality: validators do not decode: {e}") from None
        if vs.hash() != header.validators_hash:
            raise ValueError("finality: validator set is not the header's validators_hash")
        if vs.hash() != genesis_validator_set(params).hash():
            raise ValueError("finality: validator set is not the trusted (genesis) set")
        try:
            cert = decode_certificate(_hex(reply, "certificate"))
        except ValueError as e:
            raise ValueError(f"finality: certificate does not decode: {e}") from None
        try:
            verify_commit(cert, vs, params["chain_id"], header.height, bh)
        except ValueError as e:
            raise ValueError(f"finality: {e}") from None
    # Merkle proof
    key = account_key(pubkey)
    if "key" in reply and _hex(reply, "key") != key:
        raise ValueError("proof: reported key is not the account's state key")
    if "state_root" in reply and _hex(reply, "state_root") != header.state_root:
        raise ValueError("proof: reported state_root is not the header's")
    value = verify_state_proof(header.state_root, key, _hex(reply, "proof"))
    account = decode_account(value) if value is not None else None
    if account is not None and account == {"balance": 0, "nonce": 0, "credits": 0}:
        raise ValueError("proof: proves a stored all-zero account, which is never stored")
    if reply.get("account") != account:
        raise ValueError(f"account: reported {reply.get('account')!r}, proven {account!r}")
    return account
