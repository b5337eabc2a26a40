// SPDX-License-Identifier: BSD-2-Clause
/* The core's lifecycle and its writers: bind, unbind, per-owner cleanup, listing. */
#include "ms_addr6_index.h"
#include "ms_internal.h"
#include "ms_table_read.h"

enum ms_status ms_core_create(struct ms_core **out)
{
	struct ms_core *core = (struct ms_core *) ms_os_zalloc_large(sizeof(*core));

	*out = (struct ms_core *) 0;
	if (!core)
		return MS_ERR_NOMEM;
	core->bytes = sizeof(*core);
	core->lock = ms_os_lock_create();
	core->stats = ms_os_percpu_zalloc(sizeof(struct ms_stats));
	if (!core->lock || !core->stats || ms_table_init(core) != MS_OK) {
		if (core->stats)
			ms_os_percpu_free(core->stats);
		if (core->lock)
			ms_os_lock_destroy(core->lock);
		ms_os_free_large(core, sizeof(*core));
		return MS_ERR_NOMEM;
	}
	core->bytes += (size_t) ms_os_percpu_count() * sizeof(struct ms_stats);
	/* An empty index: IPv6 frames to the host's own addresses are decided from it. */
	ms_addr6_index_rebuild(core);
	*out = core;
	return MS_OK;
}

/* Three words, each read on its own: a frame decided meanwhile sees either address. */
void ms_core_set_nic_mac(struct ms_core *core, const uint8_t mac[6])
{
	MS_STORE(&core->nic_mac, ms_mac_word(mac));
	MS_STORE(&core->nic_ipv4, ms_mac_type_word(mac, 0x0800));
	MS_STORE(&core->nic_ipv6, ms_mac_type_word(mac, 0x86dd));
}

void ms_core_clear_nic_mac(struct ms_core *core)
{
	MS_STORE(&core->nic_ipv4, 0);
	MS_STORE(&core->nic_ipv6, 0);
	MS_STORE(&core->nic_mac, MS_MAC_NONE);
}

bool ms_core_nic_mac(struct ms_core *core, uint8_t mac[6])
{
	uint64_t word = MS_LOAD(&core->nic_mac);

	if (word == MS_MAC_NONE)
		return false;
	if (mac)
		__builtin_memcpy(mac, &word, 6);
	return true;
}

bool ms_tuple_valid(const struct ms_tuple *tuple)
{
	unsigned i;

	switch (tuple->proto) {
	case MS_PROTO_TCP:
	case MS_PROTO_UDP:
	case MS_PROTO_DCCP:
	case MS_PROTO_SCTP:
	case MS_PROTO_UDPLITE:
		break;
	default:
		return false;
	}
	if (tuple->family == MS_FAMILY_INET) {
		for (i = 4; i < sizeof(tuple->addr); i++)
			if (tuple->addr[i])
				return false;
		return true;
	}
	return tuple->family == MS_FAMILY_INET6;
}

static bool tuple_is_wildcard(const struct ms_tuple *tuple)
{
	unsigned i;

	for (i = 0; i < sizeof(tuple->addr); i++)
		if (tuple->addr[i])
			return false;
	return true;
}

/*
 * A tuple's table key, its IPv6 address as the number given (0 for the
 * unspecified address).
 */
static void tuple_key(struct ms_key *key, const struct ms_tuple *tuple, uint32_t number)
{
	if (tuple->family == MS_FAMILY_INET6) {
		key->w[0] = number;
		key->w[1] = 0;
	} else {
		ms_key_from_addr(key, tuple->addr, tuple->family);
	}
	key->w[2] = ms_key_meta(tuple->family, tuple->proto, tuple->port, MS_KIND_TUPLE);
}

static uint8_t key_family(const struct ms_key *key)
{
	return (uint8_t) (key->w[2] >> 24);
}

/* The key of the claim that a tuple's key (an exact address) needs. */
static void claim_key(struct ms_key *key, const struct ms_key *tuple_key, uint16_t owner)
{
	key->w[0] = tuple_key->w[0];
	key->w[1] = tuple_key->w[1];
	key->w[2] = ms_key_meta(key_family(tuple_key), 0, owner, MS_KIND_CLAIM);
}

static struct ms_entry *find_locked(struct ms_core *core, const struct ms_key *key)
{
	uint16_t owner;

	return ms_table_find(core->table, key, ms_hash(key, core->table->seed), &owner);
}

/* The IPv6 address number a key uses, or 0. */
static uint32_t key_number(const struct ms_key *key)
{
	return key_family(key) == MS_FAMILY_INET6 ? (uint32_t) key->w[0] : 0u;
}

/*
 * A tuple's key for a lookup: false when it is an IPv6 tuple on an address
 * no registration uses, which no key can then match.
 */
static bool tuple_key_known(struct ms_core *core, struct ms_key *key, const struct ms_tuple *tuple)
{
	uint32_t number = 0;

	if (tuple->family == MS_FAMILY_INET6 && !tuple_is_wildcard(tuple) &&
	    ms_addr6_number(core, tuple->addr, false, &number) != MS_OK)
		return false;
	tuple_key(key, tuple, number);
	return true;
}

static unsigned entry_kind(const struct ms_entry *e)
{
	struct ms_key key;

	ms_entry_key(e, &key);
	return (unsigned) (key.w[2] >> 32);
}

/* A tuple's or claim's entry: its key lives in its slot's check word, and in `word`. */
static struct ms_entry *entry_new(struct ms_core *core, const struct ms_key *key, uint16_t owner)
{
	struct ms_entry *e = (struct ms_entry *) ms_os_zalloc(sizeof(*e));

	if (!e)
		return e;
	e->word = ms_check_exact_of(key) | (uint64_t) owner << MS_CHECK_OWNER_BIT;
	if (key_number(key))
		ms_addr6_use(core, key_number(key), 1);
	core->bytes += sizeof(*e);
	return e;
}

static void entry_gone(struct ms_core *core, struct ms_entry *e)
{
	struct ms_key key;

	ms_entry_key(e, &key);
	core->bytes -= sizeof(*e);
	if (key_number(&key))
		ms_addr6_use(core, key_number(&key), -1);
}

/* Only for an entry never published. */
static void entry_free_now(struct ms_core *core, struct ms_entry *e)
{
	entry_gone(core, e);
	ms_os_free(e, sizeof(*e));
}

static void entry_free_deferred(struct ms_deferred *head)
{
	ms_os_free(MS_CONTAINER_OF(head, struct ms_entry, deferred), sizeof(struct ms_entry));
}

/* Unpublishes an entry; its memory goes after the readers that may hold it. */
static void entry_retire(struct ms_core *core, struct ms_entry *e)
{
	ms_table_remove(core, e);
	entry_gone(core, e);
	ms_os_defer_free(&e->deferred, entry_free_deferred);
}

static enum ms_status claim_get(struct ms_core *core, const struct ms_key *tuple_key,
				uint16_t owner)
{
	struct ms_key key;
	struct ms_entry *e;
	enum ms_status st;

	claim_key(&key, tuple_key, owner);
	e = find_locked(core, &key);
	if (e) {
		e->claims++;
		return MS_OK;
	}
	e = entry_new(core, &key, owner);
	if (!e)
		return MS_ERR_NOMEM;
	e->claims = 1;
	st = ms_table_insert(core, e);
	if (st != MS_OK)
		entry_free_now(core, e);
	return st;
}

static void claim_put(struct ms_core *core, const struct ms_key *tuple_key, uint16_t owner)
{
	struct ms_key key;
	struct ms_entry *e;

	claim_key(&key, tuple_key, owner);
	e = find_locked(core, &key);
	if (e && --e->claims == 0)
		entry_retire(core, e);
}

static enum ms_status tuple_add(struct ms_core *core, const struct ms_key *key, bool wildcard,
				uint16_t owner, void *cookie)
{
	struct ms_entry *e = find_locked(core, key);
	enum ms_status st;

	if (e)
		return ms_entry_owner(e) == owner ? MS_ERR_EXISTS : MS_ERR_INUSE;
	if (!wildcard) {
		st = claim_get(core, key, owner);
		if (st != MS_OK)
			return st;
	}
	e = entry_new(core, key, owner);
	if (e)
		e->cookie = cookie;
	st = e ? ms_table_insert(core, e) : MS_ERR_NOMEM;
	if (st != MS_OK) {
		if (e)
			entry_free_now(core, e);
		if (!wildcard)
			claim_put(core, key, owner);
		return st;
	}
	core->count++;
	return MS_OK;
}

static enum ms_status bind_locked(struct ms_core *core, const struct ms_tuple *tuple,
				  uint16_t owner, void *cookie)
{
	bool wildcard = tuple_is_wildcard(tuple);
	uint32_t number = 0;
	struct ms_key key;
	enum ms_status st;

	if (tuple->family == MS_FAMILY_INET6 && !wildcard) {
		st = ms_addr6_number(core, tuple->addr, true, &number);
		if (st != MS_OK)
			return st;
	}
	tuple_key(&key, tuple, number);
	st = tuple_add(core, &key, wildcard, owner, cookie);
	if (number)
		ms_addr6_drop_unused(core, number); /* made for a BIND that failed */
	if (st == MS_OK && wildcard)
		MS_STORE(&core->wildcards[tuple->family == MS_FAMILY_INET6],
			 core->wildcards[tuple->family == MS_FAMILY_INET6] + 1);
	return st;
}

enum ms_status ms_bind(struct ms_core *core, const struct ms_tuple *tuple, uint16_t owner,
		       void *cookie)
{
	enum ms_status st;

	if (!ms_tuple_valid(tuple) || owner >= MS_MAX_OWNERS)
		return MS_ERR_INVAL;
	ms_os_lock(core->lock);
	st = bind_locked(core, tuple, owner, cookie);
	ms_os_unlock(core->lock);
	return st;
}

/* Removes a tuple entry and what it holds; returns its cookie. */
static void *tuple_remove(struct ms_core *core, struct ms_entry *e)
{
	struct ms_key key;
	void *cookie = e->cookie;
	uint8_t family;

	ms_entry_key(e, &key);
	family = key_family(&key);
	core->count--;
	if ((key.w[0] | key.w[1]) == 0)
		MS_STORE(&core->wildcards[family == MS_FAMILY_INET6],
			 core->wildcards[family == MS_FAMILY_INET6] - 1);
	else
		claim_put(core, &key, ms_entry_owner(e));
	entry_retire(core, e);
	return cookie;
}

enum ms_status ms_unbind(struct ms_core *core, const struct ms_tuple *tuple, uint16_t owner,
			 void **cookie_out)
{
	struct ms_key key;
	struct ms_entry *e = (struct ms_entry *) 0;
	enum ms_status st = MS_OK;
	void *cookie = (void *) 0;

	if (!ms_tuple_valid(tuple) || owner >= MS_MAX_OWNERS)
		return MS_ERR_INVAL;
	ms_os_lock(core->lock);
	if (tuple_key_known(core, &key, tuple))
		e = find_locked(core, &key);
	if (!e)
		st = MS_ERR_NOENT;
	else if (ms_entry_owner(e) != owner)
		st = MS_ERR_PERM;
	else
		cookie = tuple_remove(core, e);
	ms_os_unlock(core->lock);
	if (cookie_out)
		*cookie_out = cookie;
	return st;
}

/*
 * Removes the tuples of one owner, or of all (MS_ANY_OWNER), in one pass over
 * the table: removals only empty slots, so the pass misses none.  Claims go
 * with the last tuple on their address.
 */
static uint32_t unbind_where(struct ms_core *core, unsigned owner,
			     void (*release)(void *cookie, void *arg), void *arg)
{
	uint32_t removed = 0, pos = 0;
	struct ms_entry *e;
	void *cookie;

	while ((e = ms_table_next(core->table, &pos, owner)) != (struct ms_entry *) 0) {
		if (entry_kind(e) != MS_KIND_TUPLE)
			continue;
		cookie = tuple_remove(core, e);
		if (release)
			release(cookie, arg);
		removed++;
	}
	return removed;
}

uint32_t ms_unbind_owner(struct ms_core *core, uint16_t owner,
			 void (*release)(void *cookie, void *arg), void *arg)
{
	uint32_t removed;

	if (owner >= MS_MAX_OWNERS)
		return 0;
	ms_os_lock(core->lock);
	removed = unbind_where(core, owner, release, arg);
	ms_os_unlock(core->lock);
	return removed;
}

static void registration_of(const struct ms_core *core, const struct ms_entry *e,
			    struct ms_registration *reg)
{
	struct ms_key key;
	uint8_t family;

	ms_entry_key(e, &key);
	family = key_family(&key);
	__builtin_memset(reg, 0, sizeof(*reg));
	reg->tuple.family = family;
	reg->tuple.proto = (uint8_t) (key.w[2] >> 16);
	reg->tuple.port = (uint16_t) key.w[2];
	if (key_number(&key))
		ms_addr6_address(core, key_number(&key), reg->tuple.addr);
	else
		ms_addr_from_key(reg->tuple.addr, &key, family);
	reg->owner = ms_entry_owner(e);
	ms_table_counters(core, e, &reg->packets, &reg->bytes);
	reg->cookie = e->cookie;
}

/* In the table's order, which a growth reshuffles. */
void ms_foreach(struct ms_core *core, int (*visit)(const struct ms_registration *reg, void *arg),
		void *arg)
{
	struct ms_registration reg;
	uint32_t pos = 0;
	struct ms_entry *e;

	ms_os_lock(core->lock);
	while ((e = ms_table_next(core->table, &pos, MS_ANY_OWNER)) != (struct ms_entry *) 0) {
		if (entry_kind(e) != MS_KIND_TUPLE)
			continue;
		registration_of(core, e, &reg);
		if (visit(&reg, arg))
			break;
	}
	ms_os_unlock(core->lock);
}

enum ms_status ms_query(struct ms_core *core, const struct ms_tuple *tuple,
			struct ms_registration *out)
{
	struct ms_key key;
	struct ms_entry *e = (struct ms_entry *) 0;

	if (!ms_tuple_valid(tuple))
		return MS_ERR_INVAL;
	ms_os_lock(core->lock);
	if (tuple_key_known(core, &key, tuple))
		e = find_locked(core, &key);
	if (e)
		registration_of(core, e, out);
	ms_os_unlock(core->lock);
	return e ? MS_OK : MS_ERR_NOENT;
}

uint32_t ms_count(struct ms_core *core)
{
	uint32_t n;

	ms_os_lock(core->lock);
	n = core->count;
	ms_os_unlock(core->lock);
	return n;
}

size_t ms_memory_bytes(struct ms_core *core)
{
	size_t n;

	ms_os_lock(core->lock);
	n = core->bytes;
	ms_os_unlock(core->lock);
	return n;
}

void ms_stats_read(struct ms_core *core, struct ms_stats *out)
{
	unsigned cpu, d, r;

	__builtin_memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < ms_os_percpu_count(); cpu++) {
		const struct ms_stats *s =
		    (const struct ms_stats *) ms_os_percpu_at(core->stats, cpu);

		for (d = 0; d < MS_DIR__COUNT; d++)
			for (r = 0; r < MS_REASON__COUNT; r++)
				out->reason[d][r] += MS_LOAD(&s->reason[d][r]);
	}
}

/* No reader may be running: the glue has unhooked the core from the switch first. */
void ms_core_destroy(struct ms_core *core, void (*release)(void *cookie, void *arg), void *arg)
{
	if (!core)
		return;
	ms_os_lock(core->lock);
	unbind_where(core, MS_ANY_OWNER, release, arg);
	ms_addr6_destroy(core);
	ms_os_unlock(core->lock);
	ms_table_free_now(core->table);
	ms_os_percpu_free(core->stats);
	ms_os_lock_destroy(core->lock);
	ms_os_free_large(core, sizeof(*core));
}
