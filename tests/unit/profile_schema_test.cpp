// The XSD and the C++ loader agree on the shipped files: xmllint validates every profile and order against
// its schema, and a structurally broken file is rejected by both.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;
const fs::path kRoot(SIM_SOURCE_DIR);

int xmllint(const fs::path& schema, const fs::path& file) {
    const auto command =
        "xmllint --noout --schema '" + schema.string() + "' '" + file.string() + "' >/dev/null 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool have_xmllint() {
    return std::system("command -v xmllint >/dev/null 2>&1") == 0;
}

TEST(ProfileSchema, ShippedProfilesValidate) {
    if (!have_xmllint()) GTEST_SKIP() << "xmllint not installed (package libxml2-utils)";
    int count = 0;
    for (const auto& entry : fs::directory_iterator(kRoot / "profiles")) {
        if (entry.path().extension() != ".xml") continue;
        EXPECT_EQ(xmllint(kRoot / "profiles/profile.xsd", entry.path()), 0) << entry.path();
        ++count;
    }
    EXPECT_EQ(count, 10);
}

TEST(ProfileSchema, ShippedOrdersValidate) {
    if (!have_xmllint()) GTEST_SKIP() << "xmllint not installed (package libxml2-utils)";
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / "profiles/orders")) {
        if (entry.path().extension() != ".xml") continue;
        EXPECT_EQ(xmllint(kRoot / "profiles/order.xsd", entry.path()), 0) << entry.path();
    }
}

// Files broken in structure only: the schema must reject them as the C++ loader does.
TEST(ProfileSchema, SchemaRejectsStructureErrors) {
    if (!have_xmllint()) GTEST_SKIP() << "xmllint not installed (package libxml2-utils)";
    for (const auto* name :
         {"missing-element", "unexpected-element", "out-of-order", "missing-attribute",
          "unexpected-attribute", "mcc-not-digits", "bad-enumeration", "bad-boolean", "pin1-too-short",
          "pin1-not-digits", "puk-retries-out-of-range", "pin-retries-zero", "bad-access-technology",
          "bad-apn-name", "bad-dialling-number", "emergency-code-not-digits", "bad-emergency-category",
          "text-in-element-only"}) {
        EXPECT_NE(xmllint(kRoot / "profiles/profile.xsd",
                          kRoot / "tests/data/profiles" / (std::string(name) + ".xml")),
                  0)
            << name;
    }
}

// Files broken in meaning only are schema-valid: the rules live in C++ because XSD 1.0 cannot say them.
TEST(ProfileSchema, MeaningErrorsPassTheSchema) {
    if (!have_xmllint()) GTEST_SKIP() << "xmllint not installed (package libxml2-utils)";
    for (const auto* name : {"twin-with-data-apn", "data-only-with-voicemail", "mnc-length-mismatch",
                             "spn-too-long", "comp128-on-usim", "duplicate-emergency-code"}) {
        EXPECT_EQ(xmllint(kRoot / "profiles/profile.xsd",
                          kRoot / "tests/data/profiles" / (std::string(name) + ".xml")),
                  0)
            << name;
    }
}

}  // namespace
