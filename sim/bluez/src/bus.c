/* SPDX-License-Identifier: MIT */
/*
 * bus.c — objects, property signals and method dispatch with gdbus's semantics (see
 * bus.h). Why own code rather than sd-bus's vtables: sd-bus sends PropertiesChanged
 * when asked and has no "exists" per property; bluetoothd's clients see gdbus's batching,
 * its flush-before-send ordering and its invalidated lists, and bleak depends on them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define IFACE_INTROSPECTABLE "org.freedesktop.DBus.Introspectable"
#define IFACE_PROPERTIES "org.freedesktop.DBus.Properties"
#define IFACE_OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"

typedef struct bz_slot {
  const bz_iface *def;
  void *data;
  uint64_t pending;  /* bit i: props[i] changed */
  bool announced;    /* listed in an InterfacesAdded (or GetManagedObjects-visible since) */
} bz_slot;

struct bz_obj {
  bz_sim *sim;
  char *path;
  bz_slot slots[BZ_IFACE_MAX];
  int nslots;
  bool ever_announced;      /* its first InterfacesAdded went out */
  const char *removed[BZ_IFACE_MAX + 2];
  int nremoved;
  uint64_t first_seq, last_seq; /* 0: not pending */
  bool dead;                    /* bz_obj_free called: freed once flushed */
  bz_obj *next;                 /* registry, creation order */
};

/* ---- registry ---------------------------------------------------------------------- */

static bz_obj *find(bz_sim *s, const char *path) {
  for (bz_obj *o = s->bus_objects; o; o = o->next)
    if (!o->dead && !strcmp(o->path, path)) return o;
  return NULL;
}

static void unlink_free(bz_sim *s, bz_obj *o) {
  for (bz_obj **pp = &s->bus_objects; *pp; pp = &(*pp)->next) {
    if (*pp == o) {
      *pp = o->next;
      break;
    }
  }
  free(o->path);
  free(o);
}

bool bz_experimental(const bz_sim *s) { return s->cfg.experimental; }

static bool visible_prop(const bz_sim *s, const bz_prop *p, void *data) {
  if ((p->flags & BZ_EXPERIMENTAL) && !s->cfg.experimental) return false;
  return !p->exists || p->exists(data);
}

/* ---- pending changes ------------------------------------------------------------------- */

static void mark_pending(bz_obj *o) {
  bz_sim *s = o->sim;
  o->last_seq = ++s->bus_seq;
  if (!o->first_seq) {
    o->first_seq = o->last_seq;
    if (s->bus_npending == s->bus_cap_pending) {
      size_t cap = s->bus_cap_pending ? s->bus_cap_pending * 2 : 32;
      bz_obj **p = realloc(s->bus_pending, cap * sizeof *p);
      if (!p) return; /* changes wait for the next flush that finds room */
      s->bus_pending = p;
      s->bus_cap_pending = cap;
    }
    s->bus_pending[s->bus_npending++] = o;
  }
  if (s->bus_idle) sd_event_source_set_enabled(s->bus_idle, SD_EVENT_ONESHOT);
}

static int append_props(bz_sim *s, sd_bus_message *m, const bz_slot *sl) {
  int r = sd_bus_message_open_container(m, 'a', "{sv}");
  for (const bz_prop *p = sl->def->props; r >= 0 && p && p->name; p++) {
    if (!visible_prop(s, p, sl->data)) continue;
    r = sd_bus_message_open_container(m, 'e', "sv");
    if (r >= 0) r = sd_bus_message_append(m, "s", p->name);
    if (r >= 0) r = sd_bus_message_open_container(m, 'v', p->sig);
    if (r >= 0) r = p->get(m, sl->data);
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_close_container(m);
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

static int append_empty_iface(sd_bus_message *m, const char *name) {
  int r = sd_bus_message_open_container(m, 'e', "sa{sv}");
  if (r >= 0) r = sd_bus_message_append(m, "s", name);
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "{sv}");
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

/* Interfaces of `o` as a{sa{sv}}: all of them (GetManagedObjects) or the ones not yet
 * announced (InterfacesAdded). gdbus's order: Introspectable, the first interface,
 * Properties, the others. */
static int append_ifaces(bz_sim *s, sd_bus_message *m, const bz_obj *o, bool only_new) {
  int r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
  bool first_time = !only_new || !o->ever_announced;
  if (r >= 0 && first_time) r = append_empty_iface(m, IFACE_INTROSPECTABLE);
  for (int i = 0; r >= 0 && i < o->nslots; i++) {
    const bz_slot *sl = &o->slots[i];
    if (only_new && sl->announced) continue;
    r = sd_bus_message_open_container(m, 'e', "sa{sv}");
    if (r >= 0) r = sd_bus_message_append(m, "s", sl->def->name);
    if (r >= 0) r = append_props(s, m, sl);
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0 && i == 0 && first_time) r = append_empty_iface(m, IFACE_PROPERTIES);
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

/* Objects outside /org/bluez (the test control object) are not bluetoothd's: the
 * ObjectManager neither lists nor announces them. */
static bool managed(const bz_obj *o) { return !strncmp(o->path, "/org/bluez", 10); }

static bool has_unannounced(const bz_obj *o) {
  for (int i = 0; i < o->nslots; i++)
    if (!o->slots[i].announced) return true;
  return false;
}

static void send_raw(bz_sim *s, sd_bus_message *m, const char *what) {
  int r = sd_bus_send(s->bus, m, NULL);
  if (r < 0) bz_log(s, "sending %s failed: %s", what, strerror(-r));
  sd_bus_message_unref(m);
}

static bz_obj *parent_of(bz_sim *s, const bz_obj *o) {
  char buf[256];
  const char *slash = strrchr(o->path, '/');
  if (!slash || slash == o->path) return NULL;
  size_t n = (size_t)(slash - o->path);
  if (n >= sizeof buf) return NULL;
  memcpy(buf, o->path, n);
  buf[n] = 0;
  return find(s, buf);
}

static void emit_added(bz_sim *s, bz_obj *o) {
  if (o->nslots == 0 || !has_unannounced(o)) return;
  if (!managed(o)) {
    for (int i = 0; i < o->nslots; i++) o->slots[i].announced = true;
    return;
  }
  /* The parent first, so that it appears first on the bus (a child points to it). */
  bz_obj *parent = parent_of(s, o);
  if (parent && parent != o) emit_added(s, parent);
  sd_bus_message *m = NULL;
  int r = sd_bus_message_new_signal(s->bus, &m, "/", IFACE_OBJECT_MANAGER, "InterfacesAdded");
  if (r >= 0) r = sd_bus_message_append(m, "o", o->path);
  if (r >= 0) r = append_ifaces(s, m, o, true);
  if (r < 0) {
    bz_log(s, "InterfacesAdded of %s: %s", o->path, strerror(-r));
    sd_bus_message_unref(m);
    return;
  }
  for (int i = 0; i < o->nslots; i++) o->slots[i].announced = true;
  o->ever_announced = true;
  send_raw(s, m, "InterfacesAdded");
}

static void emit_props(bz_sim *s, bz_obj *o, bz_slot *sl) {
  uint64_t bits = sl->pending;
  sl->pending = 0;
  if (!bits || !sl->announced) return;
  sd_bus_message *m = NULL;
  int r = sd_bus_message_new_signal(s->bus, &m, o->path, IFACE_PROPERTIES, "PropertiesChanged");
  if (r >= 0) r = sd_bus_message_append(m, "s", sl->def->name);
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "{sv}");
  const bz_prop *props = sl->def->props;
  /* gdbus lists the changes in the order they were made; a bitmask keeps table order,
   * which bluetoothd's clients cannot tell apart (one signal, a dictionary). */
  for (int i = 0; r >= 0 && props[i].name; i++) {
    if (!(bits & (1ull << i)) || !visible_prop(s, &props[i], sl->data)) continue;
    r = sd_bus_message_open_container(m, 'e', "sv");
    if (r >= 0) r = sd_bus_message_append(m, "s", props[i].name);
    if (r >= 0) r = sd_bus_message_open_container(m, 'v', props[i].sig);
    if (r >= 0) r = props[i].get(m, sl->data);
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_close_container(m);
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "s");
  for (int i = 0; r >= 0 && props[i].name; i++) {
    if (!(bits & (1ull << i))) continue;
    if ((props[i].flags & BZ_EXPERIMENTAL) && !s->cfg.experimental) continue;
    if (props[i].exists && !props[i].exists(sl->data)) r = sd_bus_message_append(m, "s", props[i].name);
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r < 0) {
    bz_log(s, "PropertiesChanged of %s: %s", o->path, strerror(-r));
    sd_bus_message_unref(m);
    return;
  }
  send_raw(s, m, "PropertiesChanged");
}

static void emit_removed(bz_sim *s, bz_obj *o) {
  if (o->nremoved == 0) return;
  if (!managed(o)) {
    o->nremoved = 0;
    return;
  }
  sd_bus_message *m = NULL;
  int r = sd_bus_message_new_signal(s->bus, &m, "/", IFACE_OBJECT_MANAGER, "InterfacesRemoved");
  if (r >= 0) r = sd_bus_message_append(m, "o", o->path);
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "s");
  for (int i = 0; r >= 0 && i < o->nremoved; i++) r = sd_bus_message_append(m, "s", o->removed[i]);
  if (r >= 0) r = sd_bus_message_close_container(m);
  o->nremoved = 0;
  if (r < 0) {
    sd_bus_message_unref(m);
    return;
  }
  send_raw(s, m, "InterfacesRemoved");
}

/* gdbus's process_changes for one object. */
static void process(bz_sim *s, bz_obj *o) {
  o->first_seq = o->last_seq = 0;
  emit_added(s, o);
  for (int i = 0; i < o->nslots; i++) emit_props(s, o, &o->slots[i]);
  emit_removed(s, o);
}

static int by_first(const void *a, const void *b) {
  const bz_obj *x = *(bz_obj *const *)a, *y = *(bz_obj *const *)b;
  return x->first_seq < y->first_seq ? -1 : x->first_seq > y->first_seq;
}

static int by_last(const void *a, const void *b) {
  const bz_obj *x = *(bz_obj *const *)a, *y = *(bz_obj *const *)b;
  return x->last_seq < y->last_seq ? -1 : x->last_seq > y->last_seq;
}

/*
 * Two orders, as in gdbus: before a message is sent, pending objects go in the order they
 * first became pending (its `pending` list); when the loop goes idle, each object's idle
 * callback runs, and a later change re-adds an object's callback at the end, so the order
 * is that of their last change.
 */
static void flush_ordered(bz_sim *s, int (*order)(const void *, const void *)) {
  while (s->bus_npending > 0) {
    size_t n = s->bus_npending;
    bz_obj **list = s->bus_pending;
    s->bus_pending = NULL;
    s->bus_npending = s->bus_cap_pending = 0;
    qsort(list, n, sizeof *list, order);
    for (size_t i = 0; i < n; i++) {
      /* An object processed already as a parent, or freed meanwhile, is skipped. */
      if (list[i]->first_seq) process(s, list[i]);
    }
    for (size_t i = 0; i < n; i++)
      if (list[i]->dead && !list[i]->first_seq) unlink_free(s, list[i]);
    free(list);
  }
}

void bz_flush(bz_sim *s) { flush_ordered(s, by_first); }

void bz_flush_idle(bz_sim *s) { flush_ordered(s, by_last); }

static int idle_flush_cb(sd_event_source *src, void *user) {
  (void)src;
  bz_flush_idle(user);
  return 0;
}

int bz_send(bz_sim *s, sd_bus_message *m) {
  bz_flush(s);
  int r = sd_bus_send(s->bus, m, NULL);
  if (r < 0) bz_log(s, "sending a message failed: %s", strerror(-r));
  sd_bus_message_unref(m);
  return r;
}

/* ---- objects ----------------------------------------------------------------------------- */

bz_obj *bz_obj_new(bz_sim *s, const char *path) {
  bz_obj *o = calloc(1, sizeof *o);
  if (!o || !(o->path = strdup(path))) {
    free(o);
    return NULL;
  }
  o->sim = s;
  bz_obj **pp = &s->bus_objects;
  while (*pp) pp = &(*pp)->next;
  *pp = o;
  return o;
}

const char *bz_obj_path(const bz_obj *o) { return o->path; }

int bz_obj_add(bz_obj *o, const bz_iface *def, void *data) {
  if (o->nslots == BZ_IFACE_MAX) return -1;
  bz_slot *sl = &o->slots[o->nslots++];
  memset(sl, 0, sizeof *sl);
  sl->def = def;
  sl->data = data;
  mark_pending(o);
  return 0;
}

static bz_slot *slot_of(bz_obj *o, const bz_iface *def) {
  for (int i = 0; i < o->nslots; i++)
    if (o->slots[i].def == def) return &o->slots[i];
  return NULL;
}

void bz_obj_remove(bz_obj *o, const bz_iface *def) {
  bz_slot *sl = slot_of(o, def);
  if (!sl) return;
  /* Pending changes of the interface go out now, while its data still lives. */
  emit_props(o->sim, o, sl);
  bool announced = sl->announced;
  int i = (int)(sl - o->slots);
  memmove(&o->slots[i], &o->slots[i + 1], (size_t)(o->nslots - i - 1) * sizeof *sl);
  o->nslots--;
  if (!announced) return; /* added and removed before anyone heard of it */
  o->removed[o->nremoved++] = def->name;
  if (o->nslots == 0) {
    /* The object goes: gdbus drops its Properties and Introspectable too. */
    o->removed[o->nremoved++] = IFACE_PROPERTIES;
    o->removed[o->nremoved++] = IFACE_INTROSPECTABLE;
  }
  mark_pending(o);
}

void bz_obj_free(bz_obj *o) {
  if (!o) return;
  while (o->nslots > 0) bz_obj_remove(o, o->slots[o->nslots - 1].def);
  o->dead = true;
  if (!o->first_seq) unlink_free(o->sim, o);
}

void bz_emit(bz_obj *o, const bz_iface *def, const char *prop) {
  bz_slot *sl = slot_of(o, def);
  if (!sl) return;
  for (int i = 0; def->props[i].name; i++) {
    if (!strcmp(def->props[i].name, prop)) {
      /* gdbus: no signal for an interface not yet announced (it carries the value), nor
       * for an experimental property without -E (find_property does not see it). */
      if (!sl->announced) return;
      if ((def->props[i].flags & BZ_EXPERIMENTAL) && !o->sim->cfg.experimental) return;
      sl->pending |= 1ull << i;
      mark_pending(o);
      return;
    }
  }
  bz_log(o->sim, "no property %s in %s", prop, def->name);
}

void bz_emit_flush(bz_obj *o, const bz_iface *def, const char *prop) {
  bz_emit(o, def, prop);
  /* process_property_changes of this object only; it stays queued for the rest. */
  for (int i = 0; i < o->nslots; i++) emit_props(o->sim, o, &o->slots[i]);
}

/* ---- replies ----------------------------------------------------------------------------- */

sd_bus_message *bz_reply_new(sd_bus_message *call) {
  sd_bus_message *m = NULL;
  if (sd_bus_message_new_method_return(call, &m) < 0) return NULL;
  return m;
}

int bz_reply_empty(bz_sim *s, sd_bus_message *call) {
  sd_bus_message *m = bz_reply_new(call);
  if (!m) return -1;
  return bz_send(s, m);
}

int bz_reply_error(bz_sim *s, sd_bus_message *call, const char *name, const char *fmt, ...) {
  char text[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  sd_bus_error e = SD_BUS_ERROR_MAKE_CONST(name, text);
  sd_bus_message *m = NULL;
  int r = sd_bus_message_new_method_error(call, &m, &e);
  if (r < 0) return r;
  return bz_send(s, m);
}

/* ---- org.freedesktop.DBus.Properties ------------------------------------------------------ */

static bz_slot *slot_named(bz_obj *o, const char *name) {
  for (int i = 0; name && i < o->nslots; i++)
    if (!strcmp(o->slots[i].def->name, name)) return &o->slots[i];
  return NULL;
}

static const bz_prop *prop_named(const bz_sim *s, const bz_slot *sl, const char *name) {
  for (const bz_prop *p = sl->def->props; p && p->name; p++) {
    if (strcmp(p->name, name)) continue;
    if ((p->flags & BZ_EXPERIMENTAL) && !s->cfg.experimental) return NULL;
    return p;
  }
  return NULL;
}

/* The interface a Properties call names, else "No such interface" is answered. */
static bz_slot *slot_or_reply(bz_sim *s, sd_bus_message *m, bz_obj *o, const char *iface) {
  bz_slot *sl = slot_named(o, iface);
  if (!sl) bz_reply_error(s, m, SD_BUS_ERROR_INVALID_ARGS, "No such interface '%s'", iface);
  return sl;
}

static void props_get(bz_sim *s, sd_bus_message *m, bz_obj *o) {
  const char *iface, *name;
  if (sd_bus_message_read(m, "ss", &iface, &name) < 0) {
    bz_reply_error(s, m, SD_BUS_ERROR_INVALID_ARGS, "Invalid arguments in method call");
    return;
  }
  bz_slot *sl = slot_or_reply(s, m, o, iface);
  if (!sl) return;
  const bz_prop *p = prop_named(s, sl, name);
  if (!p || (p->exists && !p->exists(sl->data))) {
    bz_reply_error(s, m, SD_BUS_ERROR_INVALID_ARGS, "No such property '%s'", name);
    return;
  }
  sd_bus_message *r = bz_reply_new(m);
  int st = r ? sd_bus_message_open_container(r, 'v', p->sig) : -1;
  if (st >= 0) st = p->get(r, sl->data);
  if (st >= 0) st = sd_bus_message_close_container(r);
  if (st < 0) {
    sd_bus_message_unref(r);
    bz_reply_error(s, m, "org.bluez.Error.Failed", "Out of memory");
    return;
  }
  bz_send(s, r);
}

static void props_get_all(bz_sim *s, sd_bus_message *m, bz_obj *o) {
  const char *iface;
  if (sd_bus_message_read(m, "s", &iface) < 0) {
    bz_reply_error(s, m, SD_BUS_ERROR_INVALID_ARGS, "Invalid arguments in method call");
    return;
  }
  if (bz_switch(s, BLEC_BLUEZ_SIM_HOLD_ADAPTER_GETALL) && !strcmp(iface, "org.bluez.Adapter1")) {
    sd_bus_message **v = realloc(s->held_getall, (s->nheld_getall + 1) * sizeof *v);
    if (v) {
      s->held_getall = v;
      v[s->nheld_getall++] = sd_bus_message_ref(m);
      blec__mutex_lock(&s->lock);
      s->held_calls = s->nheld_getall;
      blec__mutex_unlock(&s->lock);
      return; /* answered by bz_bus_release_getall */
    }
  }
  bz_slot *sl = slot_or_reply(s, m, o, iface);
  if (!sl) return;
  sd_bus_message *r = bz_reply_new(m);
  if (!r || append_props(s, r, sl) < 0) {
    sd_bus_message_unref(r);
    bz_reply_error(s, m, "org.bluez.Error.Failed", "Out of memory");
    return;
  }
  bz_send(s, r);
}

static void props_set(bz_sim *s, sd_bus_message *m, bz_obj *o) {
  const char *iface, *name, *contents = NULL;
  char type = 0;
  if (sd_bus_message_read(m, "ss", &iface, &name) < 0 || sd_bus_message_peek_type(m, &type, &contents) <= 0 ||
      type != 'v') {
    bz_reply_error(s, m, SD_BUS_ERROR_INVALID_ARGS, "Invalid argument type: '%c'", type ? type : ' ');
    return;
  }
  bz_slot *sl = slot_or_reply(s, m, o, iface);
  if (!sl) return;
  const bz_prop *p = prop_named(s, sl, name);
  if (!p) {
    bz_reply_error(s, m, "org.freedesktop.DBus.Error.UnknownProperty", "No such property '%s'", name);
    return;
  }
  if (!p->set) {
    bz_reply_error(s, m, "org.freedesktop.DBus.Error.PropertyReadOnly", "Property '%s' is not writable", name);
    return;
  }
  if (p->exists && !p->exists(sl->data)) {
    bz_reply_error(s, m, "org.freedesktop.DBus.Error.UnknownProperty", "No such property '%s'", name);
    return;
  }
  if (!contents || strcmp(contents, p->sig) || sd_bus_message_enter_container(m, 'v', contents) < 0) {
    bz_reply_error(s, m, "org.freedesktop.DBus.Error.InvalidSignature", "Invalid signature for '%s'", name);
    return;
  }
  p->set(s, m, sl->data);
}

/* ---- org.freedesktop.DBus.ObjectManager at "/" -------------------------------------------- */

static void managed_objects(bz_sim *s, sd_bus_message *m) {
  sd_bus_message *r = bz_reply_new(m);
  int st = r ? sd_bus_message_open_container(r, 'a', "{oa{sa{sv}}}") : -1;
  for (bz_obj *o = s->bus_objects; st >= 0 && o; o = o->next) {
    if (o->dead || o->nslots == 0 || !managed(o)) continue;
    st = sd_bus_message_open_container(r, 'e', "oa{sa{sv}}");
    if (st >= 0) st = sd_bus_message_append(r, "o", o->path);
    if (st >= 0) st = append_ifaces(s, r, o, false);
    if (st >= 0) st = sd_bus_message_close_container(r);
  }
  if (st >= 0) st = sd_bus_message_close_container(r);
  if (st < 0) {
    sd_bus_message_unref(r);
    bz_reply_error(s, m, "org.bluez.Error.Failed", "Out of memory");
    return;
  }
  bz_send(s, r);
}

/* ---- introspection ------------------------------------------------------------------------- */

/* Length of the first complete type of `sig` (our own constant signatures). */
static size_t complete_type_len(const char *sig) {
  if (!*sig) return 0;
  if (*sig == 'a') return 1 + complete_type_len(sig + 1);
  if (*sig == '(' || *sig == '{') {
    char open = *sig, close = open == '(' ? ')' : '}';
    int depth = 0;
    size_t i = 0;
    do {
      if (sig[i] == open) depth++;
      else if (sig[i] == close) depth--;
      i++;
    } while (sig[i] && depth > 0);
    return i;
  }
  return 1;
}

typedef struct bz_text {
  char *p;
  size_t len, cap;
  bool oom;
} bz_text;

static void text_add(bz_text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[512];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || t->oom) return;
  if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
  if (t->len + (size_t)n + 1 > t->cap) {
    size_t cap = (t->cap ? t->cap * 2 : 1024) + (size_t)n;
    char *q = realloc(t->p, cap);
    if (!q) {
      t->oom = true;
      return;
    }
    t->p = q;
    t->cap = cap;
  }
  memcpy(t->p + t->len, buf, (size_t)n + 1);
  t->len += (size_t)n;
}

static void text_args(bz_text *t, const char *sig, const char *dir) {
  for (size_t n; sig && (n = complete_type_len(sig)) > 0; sig += n)
    text_add(t, "   <arg type=\"%.*s\" direction=\"%s\"/>\n", (int)n, sig, dir);
}

static void introspect(bz_sim *s, sd_bus_message *m, bz_obj *o) {
  bz_text t = {0};
  text_add(&t, "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
               "\"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n<node>\n");
  text_add(&t, " <interface name=\"%s\"><method name=\"Introspect\"><arg type=\"s\" direction=\"out\"/>"
               "</method></interface>\n", IFACE_INTROSPECTABLE);
  if (o) {
    for (int i = 0; i < o->nslots; i++) {
      const bz_iface *d = o->slots[i].def;
      text_add(&t, " <interface name=\"%s\">\n", d->name);
      for (const bz_method *me = d->methods; me && me->name; me++) {
        if ((me->flags & BZ_EXPERIMENTAL) && !s->cfg.experimental) continue;
        text_add(&t, "  <method name=\"%s\">\n", me->name);
        text_args(&t, me->in_sig, "in");
        text_args(&t, me->out_sig, "out");
        text_add(&t, "  </method>\n");
      }
      for (const bz_prop *p = d->props; p && p->name; p++) {
        if ((p->flags & BZ_EXPERIMENTAL) && !s->cfg.experimental) continue;
        text_add(&t, "  <property name=\"%s\" type=\"%s\" access=\"%s\"/>\n", p->name, p->sig,
                 p->set ? "readwrite" : "read");
      }
      text_add(&t, " </interface>\n");
    }
  }
  /* Children one level down. */
  const char *base = o ? o->path : sd_bus_message_get_path(m);
  size_t blen = strlen(base);
  for (bz_obj *c = s->bus_objects; c; c = c->next) {
    if (c->dead || c->nslots == 0) continue;
    const char *rest = NULL;
    if (!strcmp(base, "/")) rest = c->path + 1;
    else if (!strncmp(c->path, base, blen) && c->path[blen] == '/') rest = c->path + blen + 1;
    if (!rest || !*rest || strchr(rest, '/')) continue;
    text_add(&t, " <node name=\"%s\"/>\n", rest);
  }
  text_add(&t, "</node>\n");
  if (t.oom) {
    free(t.p);
    bz_reply_error(s, m, "org.bluez.Error.Failed", "Out of memory");
    return;
  }
  sd_bus_message *r = bz_reply_new(m);
  if (r && sd_bus_message_append(r, "s", t.p) >= 0) bz_send(s, r);
  else sd_bus_message_unref(r);
  free(t.p);
}

/* ---- dispatch ------------------------------------------------------------------------------- */

static void unknown_method(bz_sim *s, sd_bus_message *m) {
  const char *iface = sd_bus_message_get_interface(m);
  bz_reply_error(s, m, SD_BUS_ERROR_UNKNOWN_METHOD,
                 "Method \"%s\" with signature \"%s\" on interface \"%s\" doesn't exist\n",
                 sd_bus_message_get_member(m), sd_bus_message_get_signature(m, 1), iface ? iface : "(null)");
}

static int on_message(sd_bus_message *m, void *user, sd_bus_error *err) {
  (void)err;
  bz_sim *s = user;
  if (!sd_bus_message_is_method_call(m, NULL, NULL)) return 0;
  /* The world's radio has no event: a change made before this call was sent is applied
   * (Powered and what follows from it signalled) before the call is answered, as the
   * kernel's rfkill event reaches bluetoothd before a later D-Bus call would. */
  bz_check_radio(s);
  const char *path = sd_bus_message_get_path(m);
  const char *iface = sd_bus_message_get_interface(m);
  const char *member = sd_bus_message_get_member(m);
  if (!path || !member) return 0;
  bz_obj *o = find(s, path);
  bool root = !strcmp(path, "/");
  if (iface && !strcmp(iface, IFACE_INTROSPECTABLE) && !strcmp(member, "Introspect")) {
    introspect(s, m, o);
    return 1;
  }
  if (root && iface && !strcmp(iface, IFACE_OBJECT_MANAGER) && !strcmp(member, "GetManagedObjects") &&
      sd_bus_message_has_signature(m, "")) {
    managed_objects(s, m);
    return 1;
  }
  if (!o || o->nslots == 0) {
    if (root) unknown_method(s, m);
    else bz_reply_error(s, m, SD_BUS_ERROR_UNKNOWN_OBJECT, "No such object path '%s'", path);
    return 1;
  }
  if (iface && !strcmp(iface, IFACE_PROPERTIES)) {
    if (!strcmp(member, "Get") && sd_bus_message_has_signature(m, "ss")) props_get(s, m, o);
    else if (!strcmp(member, "GetAll") && sd_bus_message_has_signature(m, "s")) props_get_all(s, m, o);
    else if (!strcmp(member, "Set") && sd_bus_message_has_signature(m, "ssv")) props_set(s, m, o);
    else unknown_method(s, m);
    return 1;
  }
  bz_slot *sl = slot_named(o, iface);
  if (sl) {
    for (const bz_method *me = sl->def->methods; me && me->name; me++) {
      if (strcmp(me->name, member)) continue;
      if ((me->flags & BZ_EXPERIMENTAL) && !s->cfg.experimental) break;
      if (!sd_bus_message_has_signature(m, me->in_sig ? me->in_sig : "")) continue;
      me->fn(s, m, sl->data);
      return 1;
    }
  }
  unknown_method(s, m);
  return 1;
}

int bz_bus_init(bz_sim *s) {
  int r = sd_bus_add_fallback(s->bus, NULL, "/", on_message, s);
  if (r < 0) return r;
  r = sd_event_add_defer(s->event, &s->bus_idle, idle_flush_cb, s);
  if (r < 0) return r;
  sd_event_source_set_priority(s->bus_idle, SD_EVENT_PRIORITY_IDLE);
  sd_event_source_set_enabled(s->bus_idle, SD_EVENT_OFF);
  return 0;
}

void bz_bus_release_getall(bz_sim *s) {
  sd_bus_message **v = s->held_getall;
  size_t n = s->nheld_getall;
  s->held_getall = NULL;
  s->nheld_getall = 0;
  blec__mutex_lock(&s->lock);
  s->held_calls = 0;
  blec__mutex_unlock(&s->lock);
  for (size_t i = 0; i < n; i++) {
    bz_obj *o = find(s, sd_bus_message_get_path(v[i]));
    sd_bus_message_rewind(v[i], true);
    if (o) props_get_all(s, v[i], o);
    else bz_reply_error(s, v[i], SD_BUS_ERROR_UNKNOWN_OBJECT, "No such object path");
    sd_bus_message_unref(v[i]);
  }
  free(v);
}

void bz_bus_free_all(bz_sim *s) {
  for (size_t i = 0; i < s->nheld_getall; i++) sd_bus_message_unref(s->held_getall[i]);
  free(s->held_getall);
  s->held_getall = NULL;
  s->nheld_getall = 0;
  free(s->bus_pending);
  s->bus_pending = NULL;
  s->bus_npending = s->bus_cap_pending = 0;
  while (s->bus_objects) {
    bz_obj *o = s->bus_objects;
    s->bus_objects = o->next;
    free(o->path);
    free(o);
  }
  s->bus_idle = sd_event_source_unref(s->bus_idle);
}
