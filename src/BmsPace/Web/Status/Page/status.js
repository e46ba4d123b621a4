// The live status page. Every URL is relative to this page, so it works under any path prefix (Home Assistant
// ingress, a reverse proxy). Data: server-sent events from api/v1/events, or api/v1/status fetched once per scan
// when events are refused (too many live pages) or unsupported.
'use strict';
(function () {
  var base = location.origin + location.pathname.replace(/[^/]*$/, '');
  var main = document.getElementById('batteries');
  var linkBox = document.getElementById('link');
  var linkText = document.getElementById('link-text');
  var generated = document.getElementById('generated');
  var metricsLink = document.getElementById('metrics-link');
  var opened = new Set();
  var last = null;          // the last status document
  var lastMessage = 0;      // when anything (status or ping) last came from the exporter
  var lastStatus = 0;       // when the last status document came
  var source = null;
  var pollTimer = 0;
  var mode = 'events';

  var REASONS = {
    timeout: 'silence (no answer)', io: 'connection failed', echo: 'only its own request came back',
    truncated: 'replies cut short', hex: 'garbled replies', length_checksum: 'length checksum errors',
    length: 'wrong reply length', checksum: 'checksum errors', version: 'another protocol version',
    cid1: 'another device type', wrong_address: 'answers from the wrong address', rtn: 'the BMS refused the request',
    decode: 'replies it cannot decode'
  };
  var STATES = { fresh: ['\u25CF', 'up'], stale: ['\u25D0', 'stale'], down: ['\u2715', 'down'] };
  var FAMILY = { protection: ['\u26D4', 'Protection'], fault: ['\u2716', 'Fault'], warning: ['\u26A0', 'Warning'] };
  var ROLES = { cell: 'cell', mosfet: 'MOSFET', environment: 'ambient', unknown: 'sensor' };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  // A number as shown, inside <data value="exact JSON value">, with its unit; null/absent values get a dash.
  // field: the JSON key the number comes from (data-field), so a reader or a test can trace every figure.
  function num(value, digits, unit, absentWhy, field) {
    if (!isNum(value)) {
      var gap = el('span', 'absent', '\u2014');
      gap.title = absentWhy || 'not sent by this BMS';
      if (field) gap.dataset.absent = field;
      return gap;
    }
    var d = el('data', null, value.toFixed(digits));
    d.value = String(value);
    if (field) d.dataset.field = field;
    var wrap = el('span');
    add(wrap, d, unit ? el('span', 'unit', unit) : null);
    return wrap;
  }
  function pct(ratio, field) {
    if (!isNum(ratio)) return num(null, 0, '', null, field);
    var d = el('data', null, (ratio * 100).toFixed(1));
    d.value = String(ratio);
    if (field) d.dataset.field = field;
    return add(el('span'), d, el('span', 'unit', '%'));
  }
  function words(name) { return name.replace(/_/g, ' '); }
  function ago(iso) {
    if (!iso) return 'never';
    var s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (s < 90) return Math.round(s) + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' days ago';
  }
  function since(iso, prefix) {
    var t = el('time', 'since', prefix + ago(iso));
    if (iso) { t.dateTime = iso; t.dataset.prefix = prefix; t.title = new Date(iso).toLocaleString(); }
    return t;
  }
  function stat(list, label, valueNode, cls) {
    var box = el('div', cls);
    add(box, el('dt', null, label), add(el('dd'), valueNode));
    list.appendChild(box);
  }

  // The stack's totals: as its bank master reports them when it has one (battery.stack), else summed over the fresh packs.
  function totals(battery) {
    var s = battery.stack;
    if (s) {
      return { voltage: s.voltage_volts, current: s.current_amperes, power: s.power_watts, remaining: s.remaining_amp_hours,
        full: s.full_amp_hours, soc: s.state_of_charge_ratio, fromMaster: true };
    }
    var packs = battery.packs.filter(function (p) { return p.fresh; });
    if (!packs.length) return null;
    var t = { voltage: 0, current: 0, power: 0, remaining: 0, full: 0 };
    packs.forEach(function (p) {
      t.voltage += p.voltage_volts / packs.length;
      t.current += p.current_amperes;
      t.power += p.voltage_volts * p.current_amperes;
      t.remaining += p.remaining_amp_hours;
      t.full += p.full_amp_hours;
    });
    t.soc = t.full > 0 ? t.remaining / t.full : null;
    return t;
  }
  function direction(current) {
    var kind = current > 0.05 ? 'charging' : current < -0.05 ? 'discharging' : 'idle';
    var arrow = kind === 'charging' ? '\u2191 ' : kind === 'discharging' ? '\u2193 ' : '\u2022 ';
    return el('span', 'dir ' + kind, arrow + kind);
  }
  function socBar(ratio, label) {
    var bar = el('div', 'socbar');
    var v = isNum(ratio) ? Math.max(0, Math.min(1, ratio)) : 0;
    if (v < 0.1) bar.classList.add('crit'); else if (v < 0.25) bar.classList.add('low');
    bar.setAttribute('role', 'meter');
    bar.setAttribute('aria-label', label);
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-valuenow', (v * 100).toFixed(1));
    var fill = el('span');
    fill.style.width = (v * 100).toFixed(1) + '%';
    return add(bar, fill);
  }

  function renderBattery(b, scale) {
    var sec = el('section', 'battery');
    sec.setAttribute('aria-labelledby', 'b-' + b.name);
    var head = el('div', 'bhead');
    var h2 = el('h2', null, b.name);
    h2.id = 'b-' + b.name;
    var st = STATES[b.state] || STATES.down;
    var badge = el('span', 'badge ' + b.state, st[0] + ' ' + st[1]);
    badge.dataset.state = b.state;
    if (b.last_error && b.state !== 'fresh') badge.textContent += ': ' + (REASONS[b.last_error] || words(b.last_error));
    add(head, h2, badge);
    var meta = el('p', 'meta');
    add(meta,
      el('span', null, b.protocol ? b.protocol.toUpperCase() + (b.protocol_version ? ' \u00B7 VER ' + b.protocol_version : '') : 'dialect not detected yet'),
      since(b.last_success, 'last good reading '),
      b.last_error && b.state === 'fresh' ? el('span', null, 'last failure: ' + (REASONS[b.last_error] || words(b.last_error))) : null,
      el('span', null, b.connection || ''));
    add(sec, head, meta);

    var t = totals(b);
    if (t) {
      var dl = el('dl', 'totals');
      dl.setAttribute('aria-label', b.name + (t.fromMaster ? ' totals from the bank master' : ' totals'));
      if (t.fromMaster) dl.dataset.source = 'stack';
      // Figures from the bank master carry their stack key (data-field), like a pack's figures.
      var field = function (key) { return t.fromMaster ? key : null; };
      var why = 'the bank master does not send it';
      var socBox = el('div', 'soc-total');
      add(socBox, el('dt', null, t.fromMaster ? 'State of charge (bank master)' : 'State of charge'),
        add(el('dd', 'socline'), socBar(t.soc, b.name + ' state of charge'), add(el('span', 'socval'), pct(t.soc, field('state_of_charge_ratio')))));
      dl.appendChild(socBox);
      stat(dl, 'Voltage', num(t.voltage, 2, 'V', why, field('voltage_volts')));
      var cur = num(t.current, 1, 'A', why, field('current_amperes'));
      if (isNum(t.current)) cur.appendChild(direction(t.current));
      stat(dl, 'Current', cur);
      stat(dl, 'Power', num(t.power, 0, 'W', why, field('power_watts')));
      stat(dl, 'Remaining', num(t.remaining, 1, 'Ah', why, field('remaining_amp_hours')));
      stat(dl, 'Full', num(t.full, 1, 'Ah', why, field('full_amp_hours')));
      sec.appendChild(dl);
    }

    var grid = el('div', 'packs');
    b.packs.forEach(function (p) { grid.appendChild(renderPack(b, p, scale)); });
    if (!b.packs.length) grid.appendChild(el('p', 'stalemsg', b.state === 'down' ? 'No reading yet.' : 'No pack data.'));
    sec.appendChild(grid);
    return sec;
  }

  function renderPack(b, p, scale) {
    var offline = p.offline === true;
    var art = el('article', 'pack' + (!p.fresh ? (offline ? ' is-offline' : ' is-stale') : ''));
    var id = 'p-' + b.name + '-' + p.pack;
    art.setAttribute('aria-labelledby', id);
    art.dataset.pack = String(p.pack);
    var head = el('div', 'phead');
    var h3 = el('h3', null, 'Pack ' + p.pack);
    h3.id = id;
    add(head, h3,
      !p.fresh ? el('span', 'badge ' + (offline ? 'offline' : 'stale'), offline ? '\u2715 offline: no answer from this pack' : '\u25D0 stale: no fresh reading') : null,
      since(p.last_success, ''));
    head.lastChild.classList.add('age');
    art.appendChild(head);
    if (!p.fresh && !isNum(p.voltage_volts)) {
      art.appendChild(el('p', 'stalemsg', 'Values hidden until the pack answers again.'));
      return art;
    }
    var body = el('div', 'pbody');
    var socRatio = p.state_of_charge_ratio;
    add(body, add(el('div', 'socline'), socBar(socRatio, 'Pack ' + p.pack + ' state of charge'), add(el('span', 'socval'), pct(socRatio, 'state_of_charge_ratio'))));

    var dl = el('dl', 'stats');
    stat(dl, 'Voltage', num(p.voltage_volts, 2, 'V', null, 'voltage_volts'));
    stat(dl, 'Current', num(p.current_amperes, 2, 'A', null, 'current_amperes'));
    stat(dl, 'Power', num(isNum(p.voltage_volts) && isNum(p.current_amperes) ? p.voltage_volts * p.current_amperes : null, 0, 'W', null, 'power_watts'));
    stat(dl, 'Health', pct(p.state_of_health_ratio, 'state_of_health_ratio'));
    stat(dl, 'Cycles', num(p.cycle_count, 0, '', null, 'cycle_count'));
    stat(dl, 'Remaining', num(p.remaining_amp_hours, 2, 'Ah', null, 'remaining_amp_hours'));
    stat(dl, 'Full', num(p.full_amp_hours, 2, 'Ah', null, 'full_amp_hours'));
    stat(dl, 'Design', num(p.design_amp_hours, 2, 'Ah', 'this BMS does not send a design capacity', 'design_amp_hours'));
    body.appendChild(dl);

    body.appendChild(renderFlags(b, p));
    var cells = renderCells(p, scale);
    if (cells) body.appendChild(cells);
    var temps = renderTemps(p);
    if (temps) body.appendChild(temps);
    body.appendChild(renderIdentity(b, p, id));
    art.appendChild(body);
    return art;
  }

  function renderFlags(b, p) {
    var box = el('div', 'flagbox');
    var list = el('ul', 'alarms');
    list.setAttribute('aria-label', 'Pack ' + p.pack + ' alarms and state');
    if (!p.flags) {
      add(list, el('li', 'warning', '\u2753 alarms not read this cycle'));
      return add(box, list);
    }
    var alarms = 0;
    ['protection', 'fault', 'warning'].forEach(function (family) {
      (p.flags[family] || []).forEach(function (name) {
        alarms++;
        var li = el('li', family);
        li.dataset.flag = family + ':' + name;
        add(li, el('span', null, FAMILY[family][0]), el('span', 'kind', FAMILY[family][1]), el('span', null, words(name)));
        list.appendChild(li);
      });
    });
    if (!alarms) list.appendChild(el('li', 'clear', '\u2713 no protections, faults or warnings'));
    (p.flags.status || []).forEach(function (name) {
      if (name === 'charge_fet' || name === 'discharge_fet') return;
      var li = el('li', 'status', words(name));
      li.dataset.flag = 'status:' + name;
      list.appendChild(li);
    });
    box.appendChild(list);
    var table = b.flag_table && b.flag_table.status || [];
    var fets = el('p', 'fets');
    ['charge_fet', 'discharge_fet'].forEach(function (name) {
      if (table.indexOf(name) < 0) return;
      var on = p.flags.status.indexOf(name) >= 0;
      var span = el('span', on ? 'on' : 'off', (name === 'charge_fet' ? 'Charge' : 'Discharge') + ' FET ' + (on ? '\u2713 on' : '\u2715 off'));
      fets.appendChild(span);
    });
    if (fets.childNodes.length) box.appendChild(fets);
    return box;
  }

  function renderCells(p, scale) {
    var v = p.cell_voltages_volts || [];
    if (!v.length) return null;
    var box = el('div', 'cellbox');
    var h = el('h4', null, 'Cells');
    var delta = el('span', 'delta');
    add(delta, document.createTextNode('\u0394 '), num(isNum(p.cell_voltage_delta_volts) ? Math.round(p.cell_voltage_delta_volts * 1000) : null, 0, 'mV', null, 'cell_voltage_delta_millivolts'));
    h.appendChild(delta);
    box.appendChild(h);
    var lo = p.cell_voltage_min_volts, hi = p.cell_voltage_max_volts;
    var loSeen = false, hiSeen = false;
    var bal = p.balancing_cells || [];
    var ol = el('ol', 'cells');
    v.forEach(function (volts, i) {
      var li = el('li');
      var n = i + 1;
      var isLo = isNum(volts) && volts === lo && !loSeen && lo !== hi;
      var isHi = isNum(volts) && volts === hi && !hiSeen && lo !== hi;
      if (isLo) { loSeen = true; li.classList.add('lo'); }
      if (isHi) { hiSeen = true; li.classList.add('hi'); }
      var balancing = bal.indexOf(n) >= 0;
      if (balancing) li.classList.add('bal');
      var label = el('span', 'n', String(n));
      label.title = 'cell ' + n;
      var bar = el('span', 'bar');
      bar.setAttribute('aria-hidden', 'true');
      var fill = el('span');
      var f = isNum(volts) ? (volts - scale.lo) / (scale.hi - scale.lo) : 0;
      fill.style.width = (Math.max(0.03, Math.min(1, f)) * 100).toFixed(1) + '%';
      bar.appendChild(fill);
      var val = el('span', 'v');
      val.appendChild(num(volts, 3, '', 'no value', 'cell_voltages_volts.' + i));
      var marks = (isLo ? ' \u25BC' : '') + (isHi ? ' \u25B2' : '') + (balancing ? ' \u21C4' : '');
      if (marks) val.appendChild(el('span', 'mark', marks));
      li.setAttribute('aria-label', 'cell ' + n + ': ' + (isNum(volts) ? volts.toFixed(3) + ' volts' : 'no value') +
        (isLo ? ', lowest' : '') + (isHi ? ', highest' : '') + (balancing ? ', balancing' : ''));
      add(li, label, bar, val);
      ol.appendChild(li);
    });
    box.appendChild(ol);
    var legend = el('p', 'legend');
    add(legend, el('span', 'lo', '\u25BC lowest'), el('span', 'hi', '\u25B2 highest'), bal.length ? el('span', 'bal', '\u21C4 balancing (' + bal.length + ')') : null,
      el('span', null, 'scale ' + scale.lo.toFixed(3) + '\u2013' + scale.hi.toFixed(3) + ' V, all packs'));
    box.appendChild(legend);
    return box;
  }

  function renderTemps(p) {
    var t = p.temperatures_celsius || [];
    if (!t.length) return null;
    var roles = p.temperature_roles || [];
    var box = el('div');
    box.appendChild(el('h4', null, 'Temperatures'));
    var ul = el('ul', 'temps');
    t.forEach(function (c, i) {
      var li = el('li');
      var warn = (p.temperature_warnings || [])[i];
      if (warn === 2) li.classList.add('hot');
      add(li, el('span', 'role', (ROLES[roles[i]] || 'sensor') + ' ' + (i + 1)), num(c, 1, '\u00B0C', 'sensor not fitted', 'temperatures_celsius.' + i),
        warn === 2 ? el('span', null, ' \u26A0 high') : warn === 1 ? el('span', null, ' \u26A0 low') : null);
      ul.appendChild(li);
    });
    return add(box, ul);
  }

  function renderIdentity(b, p, id) {
    var d = el('details');
    d.dataset.key = id;
    if (opened.has(id)) d.open = true;
    d.addEventListener('toggle', function () { if (d.open) opened.add(id); else opened.delete(id); });
    d.appendChild(el('summary', null, 'Version and serials'));
    var dl = el('dl');
    [['Software', p.software_version], ['BMS serial', p.bms_serial], ['Pack serial', p.pack_serial]].forEach(function (row) {
      add(dl, el('dt', null, row[0]), el('dd', row[1] ? null : 'absent', row[1] || 'not reported by this pack'));
    });
    return add(d, dl);
  }

  // One scale for every cell on the page, so bars of different packs compare at a glance; at least 100 mV wide so a
  // well-balanced pack does not look alarming.
  function cellScale(doc) {
    var lo = Infinity, hi = -Infinity;
    doc.batteries.forEach(function (b) {
      b.packs.forEach(function (p) {
        if (!p.fresh) return;
        (p.cell_voltages_volts || []).forEach(function (v) { if (isNum(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
      });
    });
    if (!isFinite(lo)) return { lo: 2.5, hi: 3.65 };
    var pad = Math.max(0.1 - (hi - lo), 0) / 2 + 0.01;
    return { lo: lo - pad - (hi - lo) * 0.5, hi: hi + pad };
  }

  function render(doc) {
    last = doc;
    lastStatus = Date.now();
    var scale = cellScale(doc);
    var frag = document.createDocumentFragment();
    doc.batteries.forEach(function (b) { frag.appendChild(renderBattery(b, scale)); });
    if (!doc.batteries.length) frag.appendChild(el('p', 'note', 'No battery is configured.'));
    main.replaceChildren(frag);
    main.setAttribute('aria-busy', 'false');
    generated.textContent = 'Snapshot of ' + new Date(doc.generated_at).toLocaleTimeString() + ' \u00B7 scan every ' + doc.scan_interval_seconds + ' s';
    generated.dataset.generatedAt = doc.generated_at;
    metricsLink.hidden = doc.metrics === false;
    setLink();
  }

  function scanMs() { return (last && last.scan_interval_seconds || 5) * 1000; }

  function setLink() {
    var now = Date.now();
    var state, text;
    if (!lastMessage || now - lastMessage > Math.max(40000, 3 * scanMs())) {
      state = 'down';
      text = last ? 'Disconnected from the exporter \u2014 retrying (last data ' + ago(new Date(lastStatus).toISOString()) + ')' : 'Connecting\u2026';
      if (!last) state = 'connecting';
    } else if (source === null && mode === 'events') {
      state = 'down';
      text = 'Disconnected from the exporter \u2014 retrying';
    } else if (now - lastStatus > 3 * scanMs() + 2000) {
      state = 'stale';
      text = 'No new reading for ' + Math.round((now - lastStatus) / 1000) + ' s';
    } else {
      state = 'live';
      text = mode === 'events' ? 'Live' : 'Live (updates every ' + scanMs() / 1000 + ' s)';
    }
    linkBox.dataset.state = state;
    linkText.textContent = text;
    document.body.classList.toggle('gone', state === 'down' && !!last);
  }

  function connect() {
    // Without server-sent events: fetch at once, then once per scan.
    if (!window.EventSource) { probeOnce(); return; }
    mode = 'events';
    var es = new EventSource(new URL('api/v1/events', base).href);
    source = es;
    es.addEventListener('status', function (e) { lastMessage = Date.now(); render(JSON.parse(e.data)); });
    es.addEventListener('ping', function () { lastMessage = Date.now(); setLink(); });
    es.onerror = function () {
      if (source !== es) return;
      lastMessage = 0;
      setLink();
      if (es.readyState === 2) {
        // Refused (the exporter is busy with live pages, or a proxy answered instead): fetch, and try events later.
        source = null;
        probeOnce();
      }
    };
  }

  function probeOnce() {
    fetch(new URL('api/v1/status', base).href, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (doc) {
      mode = 'polling';
      lastMessage = Date.now();
      render(doc);
      startPolling();
    }).catch(function () {
      setLink();
      setTimeout(connect, 3000);
    });
  }

  function startPolling() {
    mode = 'polling';
    clearTimeout(pollTimer);
    pollTimer = setTimeout(function () {
      fetch(new URL('api/v1/status', base).href, { cache: 'no-store' }).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      }).then(function (doc) {
        lastMessage = Date.now();
        render(doc);
        // Events may have room again: prefer them.
        if (window.EventSource && Math.random() < 0.2) { connect(); } else { startPolling(); }
      }).catch(function () { lastMessage = 0; setLink(); startPolling(); });
    }, scanMs());
  }

  setInterval(function () {
    document.querySelectorAll('time.since[datetime]').forEach(function (t) { t.textContent = t.dataset.prefix + ago(t.dateTime); });
    // A stream that went quiet without closing (a proxy holding it, a machine gone) is dropped and dialled again.
    if (mode === 'events' && source && lastMessage && Date.now() - lastMessage > 40000) {
      source.close();
      source = null;
      lastMessage = 0;
      setTimeout(connect, 1000);
    }
    setLink();
  }, 1000);

  connect();
})();
