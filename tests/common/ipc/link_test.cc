// Unit tests of common/ipc: flat tables, rings, snapshot publication (QSBR), and
// restarts of either side.

#include "common/ipc/flat_table.hh"
#include "common/ipc/link.hh"
#include "tests/common/ipc/ipc_test_support.hh"

#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace sipedge::ipc {
namespace {

using testing::test_path;

link_sizes small_sizes() {
    link_sizes s;
    s.ring_slots = 8;
    s.slot_payload = 1024;
    s.location_bytes = 1 << 16;
    s.credential_bytes = 1 << 14;
    s.lookup_scratch = 16;
    return s;
}

contact_input contact(std::string uri, std::int16_t q, std::int64_t expires_at) {
    contact_input c;
    c.uri = std::move(uri);
    c.q = q;
    c.expires_at = expires_at;
    return c;
}

TEST(ipc_flat_table, location_lookup_folds_host_case_only) {
    location_table_builder b;
    const std::vector<contact_input> bob = {contact("sip:bob@192.0.2.4:5060", 1000, 100),
                                            contact("sip:bob@192.0.2.5", 500, 200)};
    b.add("bob@Biloxi.Example.COM", bob);
    const std::vector<contact_input> alice = {contact("sip:alice@198.51.100.7", 700, 300)};
    b.add("alice@atlanta.example.com", alice);
    std::vector<std::uint64_t> buf((b.required_bytes() + 7) / 8);
    ASSERT_GT(b.serialise(buf.data(), buf.size() * 8, 1, 0), 0u);
    ASSERT_TRUE(table_valid(buf.data(), buf.size() * 8));

    const table_entry* e = find_location(buf.data(), "bob@biloxi.EXAMPLE.com");
    ASSERT_NE(e, nullptr);
    ASSERT_EQ(e->value_count, 2u);
    const contact_view c0 = decode_contact(buf.data(), entry_contacts(buf.data(), e)[0]);
    const contact_view c1 = decode_contact(buf.data(), entry_contacts(buf.data(), e)[1]);
    EXPECT_EQ(c0.uri, "sip:bob@192.0.2.4:5060");
    EXPECT_EQ(c0.q, 1000);
    EXPECT_EQ(c1.uri, "sip:bob@192.0.2.5");
    EXPECT_EQ(c1.expires_at, 200);
    EXPECT_EQ(find_location(buf.data(), "Bob@biloxi.example.com"), nullptr)
        << "the user part is case-sensitive";
    EXPECT_EQ(find_location(buf.data(), "carol@biloxi.example.com"), nullptr);
    EXPECT_NE(find_location(buf.data(), "alice@ATLANTA.example.com"), nullptr);
}

TEST(ipc_flat_table, serialise_refuses_a_short_buffer_and_many_keys_chain) {
    location_table_builder b;
    std::vector<contact_input> one = {contact("sip:x@192.0.2.1", 1000, 10)};
    for (int i = 0; i < 5000; ++i) {
        one[0].uri = "sip:u" + std::to_string(i) + "@192.0.2.1";
        b.add("u" + std::to_string(i) + "@example.com", one);
    }
    const std::size_t need = b.required_bytes();
    std::vector<std::uint64_t> buf(need / 8 + 1);
    EXPECT_EQ(b.serialise(buf.data(), need - 1, 1, 0), 0u);
    ASSERT_EQ(b.serialise(buf.data(), buf.size() * 8, 1, 0), need);
    for (int i = 0; i < 5000; ++i) {
        const table_entry* e = find_location(buf.data(), "u" + std::to_string(i) + "@example.com");
        ASSERT_NE(e, nullptr) << i;
        EXPECT_EQ(decode_contact(buf.data(), entry_contacts(buf.data(), e)[0]).uri,
                  "sip:u" + std::to_string(i) + "@192.0.2.1");
    }
}

TEST(ipc_flat_table, credentials_are_exact_on_user_and_realm) {
    credential_table_builder b;
    credential_input c;
    c.user = "bob";
    c.realm = "biloxi.example.com";
    c.record.flags = credential_has_md5;
    std::memset(c.record.ha1_md5, 0xab, sizeof c.record.ha1_md5);
    b.add(c);
    std::vector<std::uint64_t> buf((b.required_bytes() + 7) / 8);
    ASSERT_GT(b.serialise(buf.data(), buf.size() * 8, 1, 0), 0u);
    const table_entry* e = find_credential(buf.data(), "bob", "biloxi.example.com");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(entry_credential(buf.data(), e)->ha1_md5[7], 0xab);
    EXPECT_EQ(find_credential(buf.data(), "bob", "Biloxi.example.com"), nullptr);
    EXPECT_EQ(find_credential(buf.data(), "bo", "b@biloxi.example.com"), nullptr);
    EXPECT_EQ(find_location(buf.data(), "bob@biloxi.example.com"), nullptr)
        << "a credential table is not a location table";
}

TEST(ipc_flat_table, table_valid_rejects_garbage) {
    std::vector<std::uint64_t> buf(512, 0);
    EXPECT_FALSE(table_valid(buf.data(), buf.size() * 8));
    EXPECT_FALSE(table_valid(nullptr, 100));
}

TEST(ipc_link, attach_without_dataplane_says_not_found) {
    const auto r = control_link::attach(test_path("absent"), 1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error_code(), link_error::not_found);
}

TEST(ipc_link, create_rejects_bad_sizes) {
    link_sizes s = small_sizes();
    s.snapshot_buffers = 1;
    EXPECT_FALSE(dataplane_link::create(test_path("bad"), 1, s).ok());
    EXPECT_FALSE(dataplane_link::create(test_path("bad"), 0, small_sizes()).ok());
}

TEST(ipc_link, attach_rejects_a_file_that_is_not_a_link) {
    const std::string p = test_path("garbage");
    FILE* f = std::fopen(p.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::vector<char> junk(8192, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
    const auto r = control_link::attach(p, 1);
    ::unlink(p.c_str());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error_code(), link_error::bad_magic);
}

TEST(ipc_link, rings_carry_messages_both_ways_in_order_with_metadata) {
    const std::string p = test_path("rings");
    auto dp = dataplane_link::create(p, 2, small_sizes());
    ASSERT_TRUE(dp.ok()) << dp.message();
    auto cp = control_link::attach(p, 1);
    ASSERT_TRUE(cp.ok()) << cp.message();
    dataplane_link& d = *dp.value();
    control_link& c = *cp.value();

    message_meta meta;
    meta.source = endpoint::ipv4(0xc000020a, 5060);
    meta.destination = endpoint::ipv4(0xcb007101, 5060);
    meta.token = 42;
    for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(d.push_to_control(1, "REGISTER " + std::to_string(i), meta), push_result::ok);
    }
    EXPECT_EQ(d.push_to_control(1, "one too many", meta), push_result::full);
    EXPECT_EQ(d.push_to_control(0, std::string(1025, 'x'), meta), push_result::too_large);
    EXPECT_EQ(d.push_to_control(0, std::string(1024, 'x'), meta), push_result::ok);

    received_message m;
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(c.pop_from_dataplane(1, m));
        EXPECT_EQ(m.bytes, "REGISTER " + std::to_string(i));
        EXPECT_EQ(m.lcore, 1);
        EXPECT_EQ(m.meta.source, meta.source);
        EXPECT_EQ(m.meta.destination, meta.destination);
        EXPECT_EQ(m.meta.token, 42u);
    }
    EXPECT_FALSE(c.pop_from_dataplane(1, m));
    ASSERT_TRUE(c.pop_from_dataplane(0, m));
    EXPECT_EQ(m.bytes.size(), 1024u);
    EXPECT_FALSE(c.pop_from_dataplane(0, m));

    const link_status st = c.status();
    EXPECT_EQ(st.to_control[1].pushed, 8u);
    EXPECT_EQ(st.to_control[1].refused_full, 1u);
    EXPECT_EQ(st.to_control[0].refused_too_large, 1u);

    // Space is given back: the ring accepts again.
    EXPECT_EQ(d.push_to_control(1, "again", meta), push_result::ok);

    message_meta reply;
    reply.destination = meta.source;
    reply.source = meta.destination;
    reply.token = 42;
    EXPECT_EQ(c.push_to_dataplane(1, "SIP/2.0 200 OK", reply), push_result::ok);
    EXPECT_FALSE(d.pop_from_control(0, m)) << "replies go to the lcore they are pushed for";
    ASSERT_TRUE(d.pop_from_control(1, m));
    EXPECT_EQ(m.bytes, "SIP/2.0 200 OK");
    EXPECT_EQ(m.meta.destination, meta.source);
    EXPECT_FALSE(d.pop_from_control(1, m));
}

TEST(ipc_link, a_popped_slot_is_not_reused_until_released) {
    const std::string p = test_path("lend");
    auto dp = dataplane_link::create(p, 1, small_sizes());
    ASSERT_TRUE(dp.ok());
    auto cp = control_link::attach(p, 1);
    ASSERT_TRUE(cp.ok());
    message_meta meta;
    for (int i = 0; i < 8; ++i) {
        ASSERT_EQ(dp.value()->push_to_control(0, "m" + std::to_string(i), meta), push_result::ok);
    }
    received_message m;
    ASSERT_TRUE(cp.value()->pop_from_dataplane(0, m));
    EXPECT_EQ(dp.value()->push_to_control(0, "overwrite?", meta), push_result::full)
        << "the slot lent to control is still in use";
    EXPECT_EQ(m.bytes, "m0");
    cp.value()->release_from_dataplane(0);
    EXPECT_EQ(dp.value()->push_to_control(0, "m8", meta), push_result::ok);
}

TEST(ipc_link, second_control_is_refused_and_a_restarted_one_attaches) {
    const std::string p = test_path("lock");
    auto dp = dataplane_link::create(p, 1, small_sizes());
    ASSERT_TRUE(dp.ok());
    {
        auto first = control_link::attach(p, 1);
        ASSERT_TRUE(first.ok());
        auto second = control_link::attach(p, 1);
        ASSERT_FALSE(second.ok());
        EXPECT_EQ(second.error_code(), link_error::control_busy);
        EXPECT_TRUE(dp.value()->control_alive(1, 5));
    }
    EXPECT_FALSE(dp.value()->control_alive(1, 5)) << "control detached";
    auto again = control_link::attach(p, 2);
    ASSERT_TRUE(again.ok()) << again.message();
    EXPECT_EQ(again.value()->status().control_attach_count, 2u);
}

TEST(ipc_link, a_restarted_control_does_not_see_consumed_messages_again) {
    const std::string p = test_path("reconsume");
    auto dp = dataplane_link::create(p, 1, small_sizes());
    ASSERT_TRUE(dp.ok());
    message_meta meta;
    received_message m;
    {
        auto cp = control_link::attach(p, 1);
        ASSERT_TRUE(cp.ok());
        ASSERT_EQ(dp.value()->push_to_control(0, "first", meta), push_result::ok);
        ASSERT_EQ(dp.value()->push_to_control(0, "second", meta), push_result::ok);
        ASSERT_TRUE(cp.value()->pop_from_dataplane(0, m));
        ASSERT_TRUE(cp.value()->pop_from_dataplane(0, m));
        EXPECT_EQ(m.bytes, "second");
        cp.value()->release_from_dataplane(0);
    }
    auto cp = control_link::attach(p, 2);
    ASSERT_TRUE(cp.ok());
    EXPECT_FALSE(cp.value()->pop_from_dataplane(0, m)) << "both were consumed before";
    ASSERT_EQ(dp.value()->push_to_control(0, "third", meta), push_result::ok);
    ASSERT_TRUE(cp.value()->pop_from_dataplane(0, m));
    EXPECT_EQ(m.bytes, "third");
}

TEST(ipc_link, lookup_sees_published_snapshot_and_survives_control_restart) {
    const std::string p = test_path("snap");
    auto dp = dataplane_link::create(p, 2, small_sizes());
    ASSERT_TRUE(dp.ok());
    dataplane_link& d = *dp.value();
    EXPECT_TRUE(d.lookup(0, "bob@biloxi.example.com").empty()) << "nothing published yet";
    EXPECT_EQ(d.find_credential(0, "bob", "biloxi.example.com"), nullptr);
    {
        auto cp = control_link::attach(p, 1);
        ASSERT_TRUE(cp.ok());
        location_table_builder b;
        const std::vector<contact_input> bob = {contact("sip:bob@192.0.2.4", 1000, 100),
                                                contact("sip:bob@192.0.2.5", 300, 50)};
        b.add("bob@biloxi.example.com", bob);
        ASSERT_EQ(cp.value()->publish_location(b, 1), publish_result::ok);
        credential_table_builder cb;
        credential_input ci;
        ci.user = "bob";
        ci.realm = "biloxi.example.com";
        ci.record.flags = credential_has_md5 | credential_has_sha256;
        ci.record.ha1_sha256[31] = 7;
        cb.add(ci);
        ASSERT_EQ(cp.value()->publish_credentials(cb, 1), publish_result::ok);
    } // control stops
    d.quiescent(0);
    const auto contacts = d.lookup(0, "bob@BILOXI.example.com");
    ASSERT_EQ(contacts.size(), 2u);
    EXPECT_EQ(contacts[0].uri, "sip:bob@192.0.2.4");
    EXPECT_EQ(contacts[1].q, 300);
    // Expired contacts are skipped when the caller passes the time.
    const auto live = d.lookup(0, "bob@biloxi.example.com", 60);
    ASSERT_EQ(live.size(), 1u);
    EXPECT_EQ(live[0].uri, "sip:bob@192.0.2.4");
    EXPECT_EQ(contacts[0].uri, "sip:bob@192.0.2.4") << "earlier views stay valid until quiescent";
    const credential_record* cr = d.find_credential(1, "bob", "biloxi.example.com");
    ASSERT_NE(cr, nullptr);
    EXPECT_EQ(cr->ha1_sha256[31], 7);
    EXPECT_EQ(d.location_generation(), 1u);

    // A restarted control republishes; the dataplane sees the new generation.
    auto cp = control_link::attach(p, 2);
    ASSERT_TRUE(cp.ok());
    location_table_builder b2;
    const std::vector<contact_input> carol = {contact("sip:carol@192.0.2.9", 1000, 100)};
    b2.add("carol@chicago.example.com", carol);
    ASSERT_EQ(cp.value()->publish_location(b2, 2), publish_result::ok);
    d.quiescent(0);
    d.quiescent(1);
    EXPECT_TRUE(d.lookup(0, "bob@biloxi.example.com").empty());
    EXPECT_EQ(d.lookup(0, "carol@chicago.example.com").size(), 1u);
    EXPECT_EQ(d.location_generation(), 2u);
}

TEST(ipc_link, publisher_waits_for_a_reader_that_has_not_passed_a_quiescent_point) {
    const std::string p = test_path("qsbr");
    auto dp = dataplane_link::create(p, 2, small_sizes()); // 3 buffers
    ASSERT_TRUE(dp.ok());
    dataplane_link& d = *dp.value();
    auto cp = control_link::attach(p, 1);
    ASSERT_TRUE(cp.ok());
    control_link& c = *cp.value();
    location_table_builder b;
    const std::vector<contact_input> one = {contact("sip:a@192.0.2.1", 1000, 100)};
    b.add("a@example.com", one);

    // lcore 0 keeps polling; lcore 1 reads generation 1 and then stalls.
    ASSERT_EQ(c.publish_location(b, 1), publish_result::ok);
    d.quiescent(0);
    d.quiescent(1);
    const auto held = d.lookup(1, "a@example.com");
    ASSERT_EQ(held.size(), 1u);
    int published = 0;
    for (int i = 0; i < 5; ++i) {
        d.quiescent(0);
        if (c.publish_location(b, 1) == publish_result::ok) {
            ++published;
        }
    }
    // The two spare buffers are used; then every buffer is one lcore 1 may have
    // loaded since its last quiescent point, and publication must wait.
    EXPECT_EQ(published, 2);
    EXPECT_EQ(c.publish_location(b, 1), publish_result::busy);
    EXPECT_EQ(held[0].uri, "sip:a@192.0.2.1");
    d.quiescent(1);
    EXPECT_EQ(c.publish_location(b, 1), publish_result::ok);

    // An offline lcore does not hold publication back.
    d.offline(1);
    for (int i = 0; i < 6; ++i) {
        d.quiescent(0);
        EXPECT_EQ(c.publish_location(b, 1), publish_result::ok) << i;
    }
    d.online(1);
    EXPECT_EQ(d.lookup(1, "a@example.com").size(), 1u);
}

TEST(ipc_link, lookup_scratch_exhaustion_is_counted_not_silent) {
    const std::string p = test_path("scratch");
    auto dp = dataplane_link::create(p, 1, small_sizes()); // 16 per pass
    ASSERT_TRUE(dp.ok());
    auto cp = control_link::attach(p, 1);
    ASSERT_TRUE(cp.ok());
    location_table_builder b;
    std::vector<contact_input> ten;
    for (int i = 0; i < 10; ++i) {
        ten.push_back(contact("sip:a@192.0.2." + std::to_string(i), 1000, 100));
    }
    b.add("a@example.com", ten);
    ASSERT_EQ(cp.value()->publish_location(b, 1), publish_result::ok);
    dataplane_link& d = *dp.value();
    d.quiescent(0);
    EXPECT_EQ(d.lookup(0, "a@example.com").size(), 10u);
    EXPECT_TRUE(d.lookup(0, "a@example.com").empty());
    EXPECT_EQ(d.scratch_exhausted(0), 1u);
    d.quiescent(0);
    EXPECT_EQ(d.lookup(0, "a@example.com").size(), 10u);
}

TEST(ipc_link, too_large_table_is_refused_and_the_old_one_stays) {
    const std::string p = test_path("large");
    auto dp = dataplane_link::create(p, 1, small_sizes());
    ASSERT_TRUE(dp.ok());
    auto cp = control_link::attach(p, 1);
    ASSERT_TRUE(cp.ok());
    location_table_builder small;
    const std::vector<contact_input> one = {contact("sip:a@192.0.2.1", 1000, 100)};
    small.add("a@example.com", one);
    ASSERT_EQ(cp.value()->publish_location(small, 1), publish_result::ok);
    location_table_builder big;
    for (int i = 0; i < 4000; ++i) {
        big.add("user" + std::to_string(i) + "@example.com", one);
    }
    EXPECT_EQ(cp.value()->publish_location(big, 1), publish_result::too_large);
    dp.value()->quiescent(0);
    EXPECT_EQ(dp.value()->lookup(0, "a@example.com").size(), 1u);
}

TEST(ipc_link, dataplane_restart_is_detected_by_control) {
    const std::string p = test_path("restart");
    auto dp = dataplane_link::create(p, 1, small_sizes());
    ASSERT_TRUE(dp.ok());
    auto cp = control_link::attach(p, 1);
    ASSERT_TRUE(cp.ok());
    EXPECT_FALSE(cp.value()->dataplane_replaced());
    auto dp2 = dataplane_link::create(p, 1, small_sizes());
    ASSERT_TRUE(dp2.ok());
    EXPECT_TRUE(cp.value()->dataplane_replaced());
    dp.value().reset(); // the old dataplane must not remove the new file
    EXPECT_EQ(::access(p.c_str(), F_OK), 0);
    dp2.value().reset();
    EXPECT_NE(::access(p.c_str(), F_OK), 0);
}

} // namespace
} // namespace sipedge::ipc
