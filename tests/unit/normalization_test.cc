#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "ingest/personal_data.h"
#include "ingest/text_normalizer.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::ingest {
namespace {

TEST(TextNormalizerTest, TraditionalBecomesSimplifiedAndWidthsFold) {
  auto normalizer = TextNormalizer::Create();
  ASSERT_TRUE(normalizer.ok()) << normalizer.status();
  EXPECT_EQ((*normalizer)->Normalize("垃圾車漏水，髒亂不堪"), "垃圾车漏水，脏乱不堪");
  EXPECT_EQ((*normalizer)->Normalize("３號樓　ＡＢ棟  門口"), "3号楼 AB栋 门口");
  EXPECT_EQ((*normalizer)->Normalize("  \t路灯\n\n不亮 "), "路灯 不亮");
  EXPECT_EQ((*normalizer)->Normalize("已是简体，标点！？不变。"), "已是简体，标点！？不变。");
  EXPECT_EQ((*normalizer)->Normalize(""), "");
}

TEST(TextNormalizerTest, ComplaintKeepsTheOriginalWordsWhenChanged) {
  auto normalizer = TextNormalizer::Create();
  ASSERT_TRUE(normalizer.ok());
  v1::Complaint complaint;
  complaint.set_title("路燈不亮");
  complaint.set_content("路灯不亮");
  (*normalizer)->NormalizeComplaint(complaint);
  EXPECT_EQ(complaint.title(), "路灯不亮");
  EXPECT_EQ(complaint.title_original(), "路燈不亮");
  EXPECT_EQ(complaint.content(), "路灯不亮");
  EXPECT_TRUE(complaint.content_original().empty());  // nothing changed, nothing doubled
}

TEST(TextNormalizerTest, MissingOpenccConfigIsAnError) {
  EXPECT_FALSE(TextNormalizer::Create("/nonexistent/t2s.json").ok());
}

TEST(PersonalDataVaultTest, SealsAndUnsealsAndDetectsTampering) {
  auto vault = PersonalDataVault::FromKey(std::string(32, 'k'));
  ASSERT_TRUE(vault.ok());
  const std::string sealed = vault->Seal("13812348000");
  EXPECT_EQ(sealed.find("13812348000"), std::string::npos);
  EXPECT_NE(vault->Seal("13812348000"), sealed);  // fresh nonce each time
  EXPECT_EQ(*vault->Unseal(sealed), "13812348000");
  std::string tampered = sealed;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_FALSE(vault->Unseal(tampered).ok());
  EXPECT_FALSE(vault->Unseal("short").ok());
  auto other = PersonalDataVault::FromKey(std::string(32, 'x'));
  EXPECT_FALSE(other->Unseal(sealed).ok());
  EXPECT_FALSE(PersonalDataVault::FromKey("too short").ok());
}

TEST(PersonalDataVaultTest, PseudonymsAreStablePerKeyAndReporter) {
  auto vault = PersonalDataVault::FromKey(std::string(32, 'k'));
  auto other = PersonalDataVault::FromKey(std::string(32, 'x'));
  EXPECT_EQ(vault->Pseudonym("13812348000"), vault->Pseudonym("13812348000"));
  EXPECT_EQ(vault->Pseudonym("13812348000").size(), 32u);
  EXPECT_NE(vault->Pseudonym("13812348000"), vault->Pseudonym("13812348001"));
  EXPECT_NE(vault->Pseudonym("13812348000"), other->Pseudonym("13812348000"));
}

TEST(PersonalDataVaultTest, ProtectPhoneLeavesOnlyTheMaskInTheClear) {
  auto vault = PersonalDataVault::FromKey(std::string(32, 'k'));
  v1::Complaint complaint;
  complaint.set_caller_phone("13812348000");
  vault->ProtectPhone(complaint);
  EXPECT_EQ(complaint.caller_phone(), "138****8000");
  EXPECT_EQ(*vault->Unseal(complaint.caller_phone_sealed()), "13812348000");
  EXPECT_EQ(complaint.reporter_pseudonym(), vault->Pseudonym("13812348000"));
  EXPECT_EQ(complaint.SerializeAsString().find("13812348000"), std::string::npos);
}

TEST(PersonalDataVaultTest, KeyFileIsCreatedOnceWithOwnerOnlyAccess) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/secrets/personal-data.key";
  auto first = PersonalDataVault::OpenOrCreate(path);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(std::filesystem::file_size(path), 32u);
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto again = PersonalDataVault::OpenOrCreate(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again->Unseal(first->Seal("x")), "x");  // the same key, read back
}

TEST(MaskIdentifierTest, KeepsOnlyEnoughToRecognise) {
  EXPECT_EQ(MaskIdentifier("13812348000"), "138****8000");
  EXPECT_EQ(MaskIdentifier("057188889999"), "057*****9999");
  EXPECT_EQ(MaskIdentifier("12345"), "***45");
  EXPECT_EQ(MaskIdentifier("138****8000"), "138****8000");
  EXPECT_EQ(MaskIdentifier(""), "");
}

}  // namespace
}  // namespace minsheng::ingest
