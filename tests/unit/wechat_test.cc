// Vectors marked "Tencent sample" are from WeChat's published WXBizMsgCrypt sample code; the
// others were computed with Python's hashlib and `cryptography` implementing the documented
// algorithm (SHA1 of sorted parts; AES-256-CBC, IV = key[:16], PKCS#7 to 32-byte blocks over
// random16 + be32(len) + msg + appid), independently of this code. Python also reproduces both
// Tencent sample vectors.
#include <gtest/gtest.h>

#include <pugixml.hpp>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_replace.h"
#include "ingest/wechat/wechat_crypto.h"
#include "ingest/wechat/wechat_message.h"

namespace minsheng::ingest::wechat {
namespace {

// Tencent sample: official account message encryption sample.
constexpr char kSampleKey[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
constexpr char kSampleToken[] = "pamtest";
constexpr char kSampleAppId[] = "wxb11529c136998cb6";
constexpr char kSampleRandom[] = "aaaabbbbccccdddd";
constexpr char kSampleReply[] = "我是中文abcd123";
constexpr char kSampleReplyEncrypt[] =
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";

// Tencent sample: an encrypted text message pushed to app wx2c2769f8efd9abc2.
constexpr char kPushToken[] = "spamtest";
constexpr char kPushAppId[] = "wx2c2769f8efd9abc2";
constexpr char kPushTimestamp[] = "1409735669";
constexpr char kPushNonce[] = "1320562132";
constexpr char kPushMsgSignature[] = "5d197aaffba7e9b25a30732f161a50dee96bd5fa";
constexpr char kPushEncrypt[] =
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PG"
    "HQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+"
    "h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8"
    "tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9Fy"
    "JvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";
// Python's decryption of kPushEncrypt.
constexpr char kPushPlaintext[] =
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n"
    "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n"
    "<CreateTime>1409735668</CreateTime>\n"
    "<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[abcdteT]]></Content>\n"
    "<MsgId>6054768590064713728</MsgId>\n"
    "</xml>";

// Python: key = sha256(b"minsheng wechat test key"), EncodingAESKey = base64(key) without "=".
constexpr char kKey[] = "Va9XenVHDi/6ZzFHOJPgCc8kegvOogXus0BJuw3gKmc";
constexpr char kToken[] = "minsheng2025";
constexpr char kAppId[] = "wx5d3a6e1b2c4f7a90";
constexpr char kRandomHex[] = "8f1e6a02c3d4b5a69788e9fa0b1c2d3e";
constexpr char kTimestamp[] = "1740792600";
constexpr char kNonce[] = "1593462378";
constexpr char kPlaintext[] =
    "<xml><ToUserName><![CDATA[gh_3f1c2a7b9d01]]></ToUserName>"
    "<FromUserName><![CDATA[oX7Kq5mN2pL9rT4vW8yZ1aB3cD6e]]></FromUserName>"
    "<CreateTime>1740792600</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[小区门口路灯坏了三天，晚上很黑。]]></Content>"
    "<MsgId>24912345678901234</MsgId></xml>";
constexpr char kEncrypt[] =
    "DXjLCvYaaVg1U28IQ3KCb3gc62KXEUOSae5C8iWeilVxZlt3N1rVh/LjePmMsQPYpA8uRPPI3lzxKsLuN/LB2sVDl2FO"
    "sCVAIgM9wA6c6jM6ImURIPm7qdXHFfd12T4jcORgKmlH4oyNJYpAbp8OxMjETk0TZjoIw843tpbH4N7qpCjRTad0FHud"
    "8FZAGttGncmELdaRQpi2iKf9Aky1sxrNo9rOGLGL4OpB6jZ3FNpyIPZoavUEtioP0TpmuDuryz/sSldNlb1xPD9aYDtw"
    "KHbfgk0a6T2RHoJ9Lsf9KPRC1myVEdm0WUNrqZ+dI0dEnbfj3P9AM7jVF5qGhna4sweUqH+jm8tpzWZeBR5AfuWyc8bt"
    "zkMnMMnATTdBEoLoNfu9sL1Dhpwb6kybaYTJ6QK4xGaS8IjeWxIOYi+VPmA7Mku87ywjEGlOjGd18zox+l1wACdtg0l8"
    "7NgREY+NZA==";
constexpr char kGetSignature[] = "9a22f1f287c3f5426c17bc68ac8162b846cb3008";  // token, ts, nonce
constexpr char kMsgSignature[] = "fc04915a2cf6a8e019fd21a83483a3541a6d033e";  // ..., kEncrypt
// Python: sha1 of sorted ("pamtest", "1409304348", "xxxxxx").
constexpr char kSampleGetSignature[] = "76480565cbe296026c53aaacd1ad523a1ddba24f";

// Python, same key and random16, built to break one rule each.
// "hello" framed for app id wx0000000000000000.
constexpr char kWrongAppIdEncrypt[] =
    "DXjLCvYaaVg1U28IQ3KCbxECEv+1t0YZbG5fKhVj8EZvnX6ArqUvotVAI4P2aXIg+in3PduTG7VmgDpMKngo0g==";
// 26-byte message whose frame is exactly 64 bytes, so a whole block of 32s is padding.
constexpr char kFullPadEncrypt[] =
    "DXjLCvYaaVg1U28IQ3KCb0DMHeCVnQq6QoI93Ib0Xjz2AhZbgiYi1Z7enG7wmMULT7+HA2amDX1s3hLb7SM/+bLGKQdX"
    "8AYAmOR3CwuPwiB4NYtDtvOoz0cRmrDtW+Ta";
// "hello" framed correctly, then 21 bytes of 0x00; of 0x21 (33 > 32); of 0x07 ending in 0x15.
constexpr char kPadZeroEncrypt[] =
    "DXjLCvYaaVg1U28IQ3KCbzF7GQV+mhSn3XlT3u9TGDvtRCQ3e4khsBBHkQVEMkVW1h8LuK0wzRymY9Kg1hyxUw==";
constexpr char kPad33Encrypt[] =
    "DXjLCvYaaVg1U28IQ3KCbzF7GQV+mhSn3XlT3u9TGDtcAZUwOtkA5U9lufrqtAIRZKerun6n4OEUEpFpmtQG0w==";
constexpr char kPadMixedEncrypt[] =
    "DXjLCvYaaVg1U28IQ3KCbzF7GQV+mhSn3XlT3u9TGDt/t5W7mJ2pC/vIY7CGqrccgeQdv6Wbng8THQTQLCNdTg==";
// "123456789" framed correctly, then 33 bytes of 0x21: consistent, but WeChat pads to 32.
constexpr char kPad33ConsistentEncrypt[] =
    "DXjLCvYaaVg1U28IQ3KCb+qBVEFro+BMX9HS8JHMXqoCF24eFrCxLls+Wnug7S15nLG60FceL3L7ZDybHjFL5kQB+"
    "OqMmhNxdyJkdZ5fgWs=";
// Length field 0xFFFFFFFF in front of "hello" + app id, valid padding.
constexpr char kHugeLengthEncrypt[] =
    "DXjLCvYaaVg1U28IQ3KCb9XK13C7DR+oocxud/xLsqGzDHexRA2n7e47U1YdidE2woSCG0pPTk05NVlqP/Rg9Q==";
// Only the 16 random bytes and a block of padding: no room for the length.
constexpr char kTooShortEncrypt[] = "DXjLCvYaaVg1U28IQ3KCbxbRkqplCfBHWQHct4e+eR4=";

MessageCrypto Crypto(const char* token = kToken, const char* key = kKey,
                     const char* app_id = kAppId) {
  absl::StatusOr<MessageCrypto> crypto = MessageCrypto::Create(token, key, app_id);
  EXPECT_TRUE(crypto.ok()) << crypto.status();
  return *std::move(crypto);
}

void ExpectInvalid(const absl::Status& status, const std::string& reason) {
  ASSERT_FALSE(status.ok()) << "expected an error containing " << reason;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(std::string(status.message()).find(reason), std::string::npos)
      << status.message() << " lacks " << reason;
}

void ExpectDecryptRejected(const MessageCrypto& crypto, const std::string& encrypt,
                           const std::string& reason) {
  absl::StatusOr<std::string> plain = crypto.Decrypt(encrypt);
  ExpectInvalid(plain.status(), reason);
  if (!plain.ok()) {
    EXPECT_EQ(std::string(plain.status().message()).rfind("Encrypt: ", 0), 0u) << plain.status();
  }
}

// --- signatures ---

TEST(WeChatSignatureTest, UrlVerificationMatchesPython) {
  EXPECT_EQ(Signature({kToken, kTimestamp, kNonce}), kGetSignature);
  EXPECT_EQ(Signature({"pamtest", "1409304348", "xxxxxx"}), kSampleGetSignature);
}

TEST(WeChatSignatureTest, OrderOfPartsDoesNotMatter) {
  EXPECT_EQ(Signature({kNonce, kToken, kTimestamp}), kGetSignature);
  EXPECT_EQ(Signature({kTimestamp, kNonce, kToken}), kGetSignature);
}

TEST(WeChatSignatureTest, MsgSignatureMatchesPythonAndTencentSample) {
  EXPECT_EQ(Signature({kToken, kTimestamp, kNonce, kEncrypt}), kMsgSignature);
  EXPECT_EQ(Signature({kPushToken, kPushTimestamp, kPushNonce, kPushEncrypt}), kPushMsgSignature);
}

TEST(WeChatSignatureTest, VerifyAcceptsOnlyTheExactSignature) {
  EXPECT_TRUE(VerifySignature(kGetSignature, {kToken, kTimestamp, kNonce}));
  EXPECT_TRUE(
      VerifySignature(kPushMsgSignature, {kPushToken, kPushTimestamp, kPushNonce, kPushEncrypt}));

  std::string flipped = kGetSignature;
  flipped.back() = flipped.back() == '8' ? '9' : '8';
  EXPECT_FALSE(VerifySignature(flipped, {kToken, kTimestamp, kNonce}));
  EXPECT_FALSE(
      VerifySignature(std::string(kGetSignature).substr(0, 39), {kToken, kTimestamp, kNonce}));
  EXPECT_FALSE(VerifySignature(std::string(kGetSignature) + "0", {kToken, kTimestamp, kNonce}));
  EXPECT_FALSE(VerifySignature("", {kToken, kTimestamp, kNonce}));
  EXPECT_FALSE(VerifySignature(kGetSignature, {"wrong-token", kTimestamp, kNonce}));
  EXPECT_FALSE(VerifySignature(kGetSignature, {kToken, "1740792601", kNonce}));
}

// --- MessageCrypto ---

TEST(WeChatCryptoTest, EncryptMatchesTencentSample) {
  EXPECT_EQ(Crypto(kSampleToken, kSampleKey, kSampleAppId).Encrypt(kSampleReply, kSampleRandom),
            kSampleReplyEncrypt);
}

TEST(WeChatCryptoTest, EncryptMatchesPythonByteForByte) {
  EXPECT_EQ(Crypto().Encrypt(kPlaintext, absl::HexStringToBytes(kRandomHex)), kEncrypt);
}

TEST(WeChatCryptoTest, DecryptsTencentSamples) {
  absl::StatusOr<std::string> reply =
      Crypto(kSampleToken, kSampleKey, kSampleAppId).Decrypt(kSampleReplyEncrypt);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, kSampleReply);

  absl::StatusOr<std::string> push =
      Crypto(kPushToken, kSampleKey, kPushAppId).Decrypt(kPushEncrypt);
  ASSERT_TRUE(push.ok()) << push.status();
  EXPECT_EQ(*push, kPushPlaintext);
}

TEST(WeChatCryptoTest, DecryptsPythonVector) {
  absl::StatusOr<std::string> plain = Crypto().Decrypt(kEncrypt);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, kPlaintext);
}

TEST(WeChatCryptoTest, HandlesAFullBlockOfPadding) {
  absl::StatusOr<std::string> plain = Crypto().Decrypt(kFullPadEncrypt);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, "abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(Crypto().Encrypt("abcdefghijklmnopqrstuvwxyz", absl::HexStringToBytes(kRandomHex)),
            kFullPadEncrypt);
}

TEST(WeChatCryptoTest, RoundTripsChineseTextAndEmptyMessages) {
  const MessageCrypto crypto = Crypto();
  for (const std::string& text :
       {std::string("您好，我们已收到您反映的问题，工单号 MS-2025-000123。"), std::string(),
        std::string(1000, 'x'), std::string("\0\x01\xff", 3)}) {
    const std::string encrypt = crypto.Encrypt(text, "0123456789abcdef");
    ASSERT_FALSE(encrypt.empty());
    absl::StatusOr<std::string> plain = crypto.Decrypt(encrypt);
    ASSERT_TRUE(plain.ok()) << plain.status();
    EXPECT_EQ(*plain, text);
  }
}

TEST(WeChatCryptoTest, RandomPrefixChangesTheCiphertext) {
  const MessageCrypto crypto = Crypto();
  EXPECT_NE(crypto.Encrypt("同一句话", "0123456789abcdef"),
            crypto.Encrypt("同一句话", "fedcba9876543210"));
}

TEST(WeChatCryptoTest, CreateRejectsBadKeys) {
  const std::string key = kKey;
  ExpectInvalid(MessageCrypto::Create(kToken, key.substr(0, 42), kAppId).status(),
                "wechat-aes-key");
  ExpectInvalid(MessageCrypto::Create(kToken, key + "A", kAppId).status(), "wechat-aes-key");
  ExpectInvalid(MessageCrypto::Create(kToken, "", kAppId).status(), "wechat-aes-key");
  ExpectInvalid(MessageCrypto::Create(kToken, key + "=", kAppId).status(), "wechat-aes-key");
  ExpectInvalid(MessageCrypto::Create(kToken, "!" + key.substr(1), kAppId).status(),
                "wechat-aes-key: not base64");
  ExpectInvalid(MessageCrypto::Create(kToken, "-" + key.substr(1), kAppId).status(),
                "wechat-aes-key: not base64");  // URL-safe alphabet is not WeChat's
  ExpectInvalid(MessageCrypto::Create(kToken, " " + key.substr(1), kAppId).status(),
                "wechat-aes-key: not base64");
  // 43 characters whose last is "=": the key would be 31 bytes.
  ExpectInvalid(MessageCrypto::Create(kToken, key.substr(0, 42) + "=", kAppId).status(),
                "wechat-aes-key: decodes to 31 bytes");
  ExpectInvalid(MessageCrypto::Create("", kKey, kAppId).status(), "wechat-token");
  ExpectInvalid(MessageCrypto::Create(kToken, kKey, "").status(), "wechat-app-id");
}

TEST(WeChatCryptoTest, DecryptRejectsAnotherAppId) {
  ExpectDecryptRejected(Crypto(), kWrongAppIdEncrypt, "app id mismatch");
  ExpectDecryptRejected(Crypto(kToken, kKey, "wx0000000000000001"), kEncrypt, "app id mismatch");
  // The Tencent sample push belongs to wx2c2769f8efd9abc2.
  ExpectDecryptRejected(Crypto(kPushToken, kSampleKey, kSampleAppId), kPushEncrypt,
                        "app id mismatch: got \"wx2c2769f8efd9abc2\"");
}

TEST(WeChatCryptoTest, DecryptRejectsBadPadding) {
  const MessageCrypto crypto = Crypto();
  ExpectDecryptRejected(crypto, kPadZeroEncrypt, "padding");
  ExpectDecryptRejected(crypto, kPad33Encrypt, "padding");
  ExpectDecryptRejected(crypto, kPadMixedEncrypt, "padding");
  ExpectDecryptRejected(crypto, kPad33ConsistentEncrypt, "padding");
}

TEST(WeChatCryptoTest, DecryptRejectsBadFraming) {
  ExpectDecryptRejected(Crypto(), kHugeLengthEncrypt, "message length 4294967295 exceeds");
  ExpectDecryptRejected(Crypto(), kTooShortEncrypt, "too short");
}

TEST(WeChatCryptoTest, DecryptRejectsTheWrongKey) {
  // Mostly bad padding; whatever the reason, never the plaintext.
  absl::StatusOr<std::string> plain = Crypto(kToken, kSampleKey, kAppId).Decrypt(kEncrypt);
  EXPECT_FALSE(plain.ok());
  EXPECT_EQ(plain.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(WeChatCryptoTest, DecryptRejectsGarbageAndTruncatedBase64) {
  const MessageCrypto crypto = Crypto();
  const std::string encrypt = kEncrypt;
  for (const std::string& bad :
       {std::string("not base64!"), std::string("abc"), std::string("ab=c"), std::string("===="),
        std::string("a==="), std::string("QUJD\n"), std::string(" ") + encrypt,
        encrypt.substr(0, encrypt.size() - 1), encrypt + "=", std::string("QUJ\0", 4),
        absl::StrReplaceAll(encrypt, {{"+", "-"}, {"/", "_"}})}) {
    ExpectDecryptRejected(crypto, bad, "not valid base64");
  }
  ExpectDecryptRejected(crypto, "", "length 0");
  ExpectDecryptRejected(crypto, encrypt.substr(0, encrypt.size() - 4), "not a positive multiple");
  ExpectDecryptRejected(crypto, "QUJD", "length 3");
  // Whole AES blocks, but cut inside the message: the last block is not padding.
  absl::StatusOr<std::string> cut = crypto.Decrypt(encrypt.substr(0, 64));  // 48 bytes
  EXPECT_FALSE(cut.ok());
}

TEST(WeChatCryptoTest, DecryptSurvivesRandomInput) {
  const MessageCrypto crypto = Crypto();
  std::mt19937 rng(20250301);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 300);
  for (int i = 0; i < 500; ++i) {
    std::string bytes(length(rng), '\0');
    for (char& c : bytes) c = static_cast<char>(byte(rng));
    EXPECT_FALSE(crypto.Decrypt(bytes).ok());  // raw bytes: at best accidental base64
    EXPECT_FALSE(crypto.Decrypt(absl::Base64Escape(bytes)).ok()) << i;
    // Whole blocks reach AES and the padding and framing checks.
    bytes.resize(bytes.size() / 16 * 16 + 16);
    EXPECT_FALSE(crypto.Decrypt(absl::Base64Escape(bytes)).ok()) << i;
  }
}

TEST(WeChatCryptoTest, TamperedCiphertextNeverYieldsTheOriginal) {
  // CBC is malleable, which is why msg_signature must be verified before decrypting; decrypting
  // tampered input must still be safe and never reproduce the original.
  const MessageCrypto crypto = Crypto();
  std::string bytes;
  ASSERT_TRUE(absl::Base64Unescape(kEncrypt, &bytes));
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string tampered = bytes;
    tampered[rng() % tampered.size()] ^= static_cast<char>(1 << (rng() % 8));
    absl::StatusOr<std::string> plain = crypto.Decrypt(absl::Base64Escape(tampered));
    EXPECT_TRUE(!plain.ok() || *plain != kPlaintext) << i;
  }
}

// --- message XML ---

TEST(WeChatMessageTest, ParsesText) {
  absl::StatusOr<WeChatMessage> message = ParseMessageXml(R"(<xml>
  <ToUserName><![CDATA[gh_3f1c2a7b9d01]]></ToUserName>
  <FromUserName><![CDATA[oX7Kq5mN2pL9rT4vW8yZ1aB3cD6e]]></FromUserName>
  <CreateTime>1348831860</CreateTime>
  <MsgType><![CDATA[text]]></MsgType>
  <Content><![CDATA[人民路 12 号井盖丢了 <危险> & 没人管]]></Content>
  <MsgId>1234567890123456</MsgId>
  <MsgDataId>xxxx</MsgDataId>
  <Idx>xxxx</Idx>
</xml>)");
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->to_user, "gh_3f1c2a7b9d01");
  EXPECT_EQ(message->from_user, "oX7Kq5mN2pL9rT4vW8yZ1aB3cD6e");
  EXPECT_EQ(message->create_time, 1348831860);
  EXPECT_EQ(message->msg_type, "text");
  EXPECT_EQ(message->msg_id, "1234567890123456");
  EXPECT_EQ(message->content, "人民路 12 号井盖丢了 <危险> & 没人管");
  EXPECT_TRUE(message->event.empty());
}

TEST(WeChatMessageTest, ParsesTheDecryptedTencentSample) {
  absl::StatusOr<WeChatMessage> message = ParseMessageXml(kPushPlaintext);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->to_user, "gh_10f6c3c3ac5a");
  EXPECT_EQ(message->from_user, "oyORnuP8q7ou2gfYjqLzSIWZf0rs");
  EXPECT_EQ(message->create_time, 1409735668);
  EXPECT_EQ(message->content, "abcdteT");
  EXPECT_EQ(message->msg_id, "6054768590064713728");
}

TEST(WeChatMessageTest, ParsesLocation) {
  absl::StatusOr<WeChatMessage> message = ParseMessageXml(R"(<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[fromUser]]></FromUserName>
  <CreateTime>1351776360</CreateTime>
  <MsgType><![CDATA[location]]></MsgType>
  <Location_X>23.134521</Location_X>
  <Location_Y>113.358803</Location_Y>
  <Scale>20</Scale>
  <Label><![CDATA[广州市天河区天河北路]]></Label>
  <MsgId>1234567890123456</MsgId>
</xml>)");
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->msg_type, "location");
  EXPECT_DOUBLE_EQ(message->location_x, 23.134521);
  EXPECT_DOUBLE_EQ(message->location_y, 113.358803);
  EXPECT_EQ(message->scale, 20);
  EXPECT_EQ(message->label, "广州市天河区天河北路");
}

TEST(WeChatMessageTest, LocationScaleAndLabelAreOptional) {
  absl::StatusOr<WeChatMessage> message = ParseMessageXml(
      "<xml><ToUserName>t</ToUserName><FromUserName>f</FromUserName><CreateTime>1</CreateTime>"
      "<MsgType>location</MsgType><Location_X>-33.5</Location_X><Location_Y>-70.25</Location_Y>"
      "<MsgId>9</MsgId></xml>");
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_DOUBLE_EQ(message->location_x, -33.5);
  EXPECT_DOUBLE_EQ(message->location_y, -70.25);
  EXPECT_EQ(message->scale, 0);
  EXPECT_TRUE(message->label.empty());
}

TEST(WeChatMessageTest, ParsesImage) {
  absl::StatusOr<WeChatMessage> message = ParseMessageXml(R"(<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[fromUser]]></FromUserName>
  <CreateTime>1348831860</CreateTime>
  <MsgType><![CDATA[image]]></MsgType>
  <PicUrl><![CDATA[http://mmbiz.qpic.cn/mmbiz_jpg/abc/0]]></PicUrl>
  <MediaId><![CDATA[media_id_123]]></MediaId>
  <MsgId>1234567890123456</MsgId>
</xml>)");
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->msg_type, "image");
  EXPECT_EQ(message->pic_url, "http://mmbiz.qpic.cn/mmbiz_jpg/abc/0");
  EXPECT_EQ(message->media_id, "media_id_123");
}

TEST(WeChatMessageTest, ParsesVoiceWithRecognition) {
  absl::StatusOr<WeChatMessage> message = ParseMessageXml(R"(<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[fromUser]]></FromUserName>
  <CreateTime>1357290913</CreateTime>
  <MsgType><![CDATA[voice]]></MsgType>
  <MediaId><![CDATA[media_id_voice]]></MediaId>
  <Format><![CDATA[amr]]></Format>
  <Recognition><![CDATA[腾讯微信团队]]></Recognition>
  <MsgId>1234567890123456</MsgId>
</xml>)");
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->msg_type, "voice");
  EXPECT_EQ(message->media_id, "media_id_voice");
  EXPECT_EQ(message->format, "amr");
  EXPECT_EQ(message->recognition, "腾讯微信团队");
}

TEST(WeChatMessageTest, VoiceRecognitionMayBeEmpty) {
  absl::StatusOr<WeChatMessage> message = ParseMessageXml(
      "<xml><ToUserName>t</ToUserName><FromUserName>f</FromUserName><CreateTime>1</CreateTime>"
      "<MsgType>voice</MsgType><MediaId>m</MediaId><Format>speex</Format>"
      "<Recognition><![CDATA[]]></Recognition><MsgId>9</MsgId></xml>");
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->media_id, "m");
  EXPECT_EQ(message->format, "speex");
  EXPECT_TRUE(message->recognition.empty());
}

TEST(WeChatMessageTest, ParsesSubscribeAndUnsubscribeEvents) {
  absl::StatusOr<WeChatMessage> subscribe = ParseMessageXml(R"(<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[FromUser]]></FromUserName>
  <CreateTime>123456789</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[subscribe]]></Event>
</xml>)");
  ASSERT_TRUE(subscribe.ok()) << subscribe.status();
  EXPECT_EQ(subscribe->msg_type, "event");
  EXPECT_EQ(subscribe->event, "subscribe");
  EXPECT_TRUE(subscribe->msg_id.empty());

  absl::StatusOr<WeChatMessage> unsubscribe = ParseMessageXml(
      "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]>"
      "</FromUserName><CreateTime>123456790</CreateTime><MsgType><![CDATA[event]]></MsgType>"
      "<Event><![CDATA[unsubscribe]]></Event><EventKey><![CDATA[]]></EventKey></xml>");
  ASSERT_TRUE(unsubscribe.ok()) << unsubscribe.status();
  EXPECT_EQ(unsubscribe->event, "unsubscribe");
  EXPECT_EQ(unsubscribe->create_time, 123456790);
}

TEST(WeChatMessageTest, ParsesQrSceneSubscribeEventKey) {
  absl::StatusOr<WeChatMessage> message = ParseMessageXml(R"(<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[FromUser]]></FromUserName>
  <CreateTime>123456789</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[subscribe]]></Event>
  <EventKey><![CDATA[qrscene_123123]]></EventKey>
  <Ticket><![CDATA[TICKET]]></Ticket>
</xml>)");
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->event_key, "qrscene_123123");
}

TEST(WeChatMessageTest, UnknownTypesParseWithCommonElements) {
  absl::StatusOr<WeChatMessage> message = ParseMessageXml(R"(<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[fromUser]]></FromUserName>
  <CreateTime>1357290913</CreateTime>
  <MsgType><![CDATA[video]]></MsgType>
  <MediaId><![CDATA[media_id_video]]></MediaId>
  <ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId>
  <MsgId>1234567890123456</MsgId>
</xml>)");
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->msg_type, "video");
  EXPECT_EQ(message->media_id, "media_id_video");
  EXPECT_EQ(message->msg_id, "1234567890123456");
}

TEST(WeChatMessageTest, RejectsMalformedXml) {
  for (const char* xml : {"", "not xml", "<xml><ToUserName>t</xml>", "<xml><a></b></xml>", "<xml",
                          "<xml><Content><![CDATA[x]></Content></xml>"}) {
    ExpectInvalid(ParseMessageXml(xml).status(), "xml: not well-formed");
  }
  ExpectInvalid(ParseMessageXml("<message><MsgType>text</MsgType></message>").status(),
                "xml: missing root <xml>");
  ExpectInvalid(ParseEncryptedEnvelope("<xml><Encrypt>").status(), "xml: not well-formed");
}

std::string Message(const std::string& type, const std::string& body,
                    const std::string& create_time = "1348831860") {
  return "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]>"
         "</FromUserName><CreateTime>" +
         create_time + "</CreateTime><MsgType><![CDATA[" + type + "]]></MsgType>" + body + "</xml>";
}

TEST(WeChatMessageTest, MessageHelperIsValid) {
  EXPECT_TRUE(ParseMessageXml(Message("text", "<Content>x</Content><MsgId>1</MsgId>")).ok());
}

TEST(WeChatMessageTest, NamesTheMissingElement) {
  const std::string text = Message("text", "<Content>x</Content><MsgId>1</MsgId>");
  ExpectInvalid(ParseMessageXml(absl::StrReplaceAll(
                                    text, {{"<ToUserName><![CDATA[toUser]]></ToUserName>", ""}}))
                    .status(),
                "ToUserName: missing");
  ExpectInvalid(ParseMessageXml(absl::StrReplaceAll(text, {{"<![CDATA[fromUser]]>", ""}})).status(),
                "FromUserName: missing");
  ExpectInvalid(
      ParseMessageXml(absl::StrReplaceAll(text, {{"<CreateTime>1348831860</CreateTime>", ""}}))
          .status(),
      "CreateTime: missing");
  ExpectInvalid(
      ParseMessageXml(absl::StrReplaceAll(text, {{"<MsgType><![CDATA[text]]></MsgType>", ""}}))
          .status(),
      "MsgType: missing");
  ExpectInvalid(ParseMessageXml(Message("text", "<Content>x</Content>")).status(),
                "MsgId: missing");
  ExpectInvalid(ParseMessageXml(Message("text", "<MsgId>1</MsgId>")).status(), "Content: missing");
  ExpectInvalid(ParseMessageXml(Message("text", "<Content> </Content><MsgId>1</MsgId>")).status(),
                "Content: missing");
  ExpectInvalid(ParseMessageXml(Message("image", "<MediaId>m</MediaId><MsgId>1</MsgId>")).status(),
                "PicUrl: missing");
  ExpectInvalid(ParseMessageXml(Message("voice", "<Format>amr</Format><MsgId>1</MsgId>")).status(),
                "MediaId: missing");
  ExpectInvalid(
      ParseMessageXml(Message("location", "<Location_Y>113.3</Location_Y><MsgId>1</MsgId>"))
          .status(),
      "Location_X: missing");
  ExpectInvalid(
      ParseMessageXml(Message("location", "<Location_X>23.1</Location_X><MsgId>1</MsgId>"))
          .status(),
      "Location_Y: missing");
  ExpectInvalid(ParseMessageXml(Message("event", "<EventKey>k</EventKey>")).status(),
                "Event: missing");
  ExpectInvalid(ParseEncryptedEnvelope("<xml><ToUserName>gh_1</ToUserName></xml>").status(),
                "Encrypt: missing");
}

TEST(WeChatMessageTest, RejectsBadNumbers) {
  ExpectInvalid(
      ParseMessageXml(Message("text", "<Content>x</Content><MsgId>1</MsgId>", "yesterday"))
          .status(),
      "CreateTime: not a number");
  ExpectInvalid(
      ParseMessageXml(Message("text", "<Content>x</Content><MsgId>1</MsgId>", "1.5")).status(),
      "CreateTime: not a number");
  const std::string y = "<Location_Y>113.3</Location_Y><MsgId>1</MsgId>";
  ExpectInvalid(ParseMessageXml(Message("location", "<Location_X>north</Location_X>" + y)).status(),
                "Location_X: not a number");
  ExpectInvalid(ParseMessageXml(Message("location", "<Location_X>nan</Location_X>" + y)).status(),
                "Location_X: not a number");
  ExpectInvalid(ParseMessageXml(Message("location", "<Location_X>95</Location_X>" + y)).status(),
                "Location_X: out of range");
  ExpectInvalid(ParseMessageXml(Message("location",
                                        "<Location_X>23.1</Location_X><Location_Y>181</Location_Y>"
                                        "<MsgId>1</MsgId>"))
                    .status(),
                "Location_Y: out of range");
  ExpectInvalid(
      ParseMessageXml(Message("location",
                              "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y>"
                              "<Scale>big</Scale><MsgId>1</MsgId>"))
          .status(),
      "Scale: not a number");
}

TEST(WeChatMessageTest, DoesNotExpandEntities) {
  absl::StatusOr<WeChatMessage> message = ParseMessageXml(
      "<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\"><!ENTITY a \"AAAAAAAAAA\">]>" +
      Message("text", "<Content>&xxe;&a;</Content><MsgId>1</MsgId>"));
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->content, "&xxe;&a;");
}

TEST(WeChatMessageTest, ParsesEncryptedEnvelope) {
  absl::StatusOr<std::string> encrypt = ParseEncryptedEnvelope(
      std::string("<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[") +
      kPushEncrypt + "]]></Encrypt></xml>");
  ASSERT_TRUE(encrypt.ok()) << encrypt.status();
  EXPECT_EQ(*encrypt, kPushEncrypt);
}

// Passive replies carry no MsgId, which ParseMessageXml requires of pushed text messages.
std::string WithMsgId(const std::string& reply) {
  return absl::StrReplaceAll(reply, {{"</xml>", "<MsgId>1</MsgId></xml>"}});
}

TEST(WeChatReplyTest, TextReplyHasTheDocumentedShape) {
  EXPECT_EQ(TextReplyXml("oX7Kq5mN2pL9rT4vW8yZ1aB3cD6e", "gh_3f1c2a7b9d01", 1740792600, "已受理"),
            "<xml><ToUserName><![CDATA[oX7Kq5mN2pL9rT4vW8yZ1aB3cD6e]]></ToUserName>"
            "<FromUserName><![CDATA[gh_3f1c2a7b9d01]]></FromUserName>"
            "<CreateTime>1740792600</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            "<Content><![CDATA[已受理]]></Content></xml>");
}

TEST(WeChatReplyTest, TextReplyRoundTrips) {
  for (const std::string& content :
       {std::string("您的诉求已受理，工单号 MS-2025-000123。"), std::string("a]]>b"),
        std::string("]]>]]>]]]]>"), std::string("<![CDATA[x]]> & <y/>"), std::string("]]")}) {
    const std::string reply = TextReplyXml("openid_1", "gh_1", 1740792600, content);
    ExpectInvalid(ParseMessageXml(reply).status(), "MsgId: missing");
    absl::StatusOr<WeChatMessage> parsed = ParseMessageXml(WithMsgId(reply));
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << reply;
    EXPECT_EQ(parsed->to_user, "openid_1");
    EXPECT_EQ(parsed->from_user, "gh_1");
    EXPECT_EQ(parsed->create_time, 1740792600);
    EXPECT_EQ(parsed->msg_type, "text");
    EXPECT_EQ(parsed->content, content) << reply;
  }
}

TEST(WeChatReplyTest, EncryptedReplyHasTheDocumentedShape) {
  EXPECT_EQ(EncryptedReplyXml(kSampleReplyEncrypt, "sig", 1409304348, "xxxxxx"),
            std::string("<xml><Encrypt><![CDATA[") + kSampleReplyEncrypt +
                "]]></Encrypt><MsgSignature><![CDATA[sig]]></MsgSignature>"
                "<TimeStamp>1409304348</TimeStamp><Nonce><![CDATA[xxxxxx]]></Nonce></xml>");
}

TEST(WeChatReplyTest, EncryptedReplyCarriesEverythingToVerifyAndDecrypt) {
  const MessageCrypto crypto = Crypto();
  const std::string inner = TextReplyXml("oX7Kq5mN2pL9rT4vW8yZ1aB3cD6e", "gh_3f1c2a7b9d01",
                                         1740792600, "收到，谢谢您的反映。");
  const std::string encrypt = crypto.Encrypt(inner, absl::HexStringToBytes(kRandomHex));
  const std::string signature = Signature({kToken, kTimestamp, kNonce, encrypt});
  const std::string reply = EncryptedReplyXml(encrypt, signature, 1740792600, kNonce);

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(reply.c_str()));
  const pugi::xml_node root = doc.child("xml");
  EXPECT_EQ(std::string(root.child("Encrypt").child_value()), encrypt);
  EXPECT_EQ(std::string(root.child("MsgSignature").child_value()), signature);
  EXPECT_EQ(std::string(root.child("TimeStamp").child_value()), kTimestamp);
  EXPECT_EQ(std::string(root.child("Nonce").child_value()), kNonce);

  absl::StatusOr<std::string> envelope = ParseEncryptedEnvelope(reply);
  ASSERT_TRUE(envelope.ok()) << envelope.status();
  EXPECT_TRUE(VerifySignature(root.child("MsgSignature").child_value(),
                              {kToken, root.child("TimeStamp").child_value(),
                               root.child("Nonce").child_value(), *envelope}));
  absl::StatusOr<std::string> decrypted = crypto.Decrypt(*envelope);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(*decrypted, inner);
}

}  // namespace
}  // namespace minsheng::ingest::wechat
