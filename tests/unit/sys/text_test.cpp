#include "sys/text.hpp"

#include <gtest/gtest.h>

using namespace eco2::sys;

TEST(Text, TrimRemovesBlanksAtBothEndsOnly) {
    EXPECT_EQ(trim("  a b\t\r\n"), "a b");
    EXPECT_EQ(trim("\t\n x"), "x");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim(" \t\r\n "), "");
    EXPECT_EQ(trim("a"), "a");
}

TEST(Text, UpperAndLowerTouchAsciiLettersOnly) {
    EXPECT_EQ(upper("us-east-1 Île"), "US-EAST-1 ÎLE");  // Î stays: not ASCII
    EXPECT_EQ(lower("GCO2/KWH Ä"), "gco2/kwh Ä");
}

TEST(Text, JoinPutsTheSeparatorBetweenParts) {
    EXPECT_EQ(join({}, ", "), "");
    EXPECT_EQ(join({"a"}, ", "), "a");
    EXPECT_EQ(join({"a", "", "c"}, ","), "a,,c");
}
