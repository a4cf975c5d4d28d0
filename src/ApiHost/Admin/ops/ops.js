// The ops page: reads and acts through the same POST /graphql the operators' tools use, so the page
// can do nothing the API would not let the operator do. The token comes from the form, or from the
// address' fragment (#token=...&rental=...&stuck=...), which never reaches a server.
(function () {
  'use strict';

  const QUERY = `query Ops($threshold: Int, $from: DateOnly!, $to: DateOnly!) {
    revenueReport(from: $from, to: $to) { currency totals { captured refunded fines net }
      byKind { kind figures { captured refunded fines net } } byDay { date figures { captured refunded fines net } } }
    integrationHealth { openBreakers iotQueueDepth silos { silo readAt iotQueueDepth iotQueueCapacity
      breakers { system state failureThreshold siloThreshold windowSeconds breakSeconds retryAfterSeconds } } }
    activeRentals(first: 200) { items { id status customerId vin startsAt endsAt since } totalCount }
    opsAlerts(first: 200) { items { id status subject detail flowKind flowId raisedAt } totalCount }
    supportTickets(first: 200) { items { id status subject detail flowKind flowId raisedAt } totalCount }
    deadLetters(first: 200) { items { id source error attempts failedAt } totalCount }
    stuckFlows(olderThanSeconds: $threshold, first: 200) { flows { items { id kind state lastMovedAt stuckForSeconds } totalCount } }
  }`;

  const RENTAL_FIELDS = `id status customerId vin startsAt endsAt createdAt verificationIssues errorCode errorMessage
    authorizedAmount { amount currency } capturedAmount { amount currency } refundedAmount { amount currency }
    fines { reason amount { amount currency } }
    history { sequence at kind from to cause actor traceId }`;

  const $ = id => document.getElementById(id);
  const tokenInput = $('token');
  const statusLine = $('status');
  const thresholdInput = $('stuck-threshold');
  const rentalMessage = $('rental-message');
  let shownRental = null;

  const fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.get('token')) { tokenInput.value = fragment.get('token'); }
  if (fragment.get('stuck')) { thresholdInput.value = fragment.get('stuck'); }
  const today = new Date();
  $('revenue-to').value = isoDay(today);
  $('revenue-from').value = isoDay(new Date(today.getTime() - 13 * 86400000));

  function isoDay(date) { return date.toISOString().slice(0, 10); }

  // A problem answer (401, 403, 400) and GraphQL's errors both become one message an operator can act on.
  async function graphql(query, variables) {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + tokenInput.value.trim() },
      body: JSON.stringify({ query: query, variables: variables }),
    });
    let body = null;
    try { body = await response.json(); } catch (notJson) { body = null; }
    if (!response.ok || body === null) {
      const problem = body || {};
      throw new Error((problem.code || response.status) + ': ' + (problem.detail || problem.title || response.statusText || 'request refused'));
    }
    if (body.errors && body.errors.length) { throw new Error(body.errors.map(e => ((e.extensions && e.extensions.code) || 'ERROR') + ': ' + e.message).join('; ')); }
    return body.data;
  }

  function say(line, text, kind) {
    line.textContent = text;
    line.className = kind || '';
  }

  function money(minor, currency) {
    if (minor === null || minor === undefined) { return ''; }
    return (minor / 100).toFixed(2) + (currency ? ' ' + currency : '');
  }

  function moneyOf(value) { return value ? money(value.amount, value.currency) : ''; }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (className) { td.className = className; }
    return td;
  }

  function button(label, action, after) {
    const td = document.createElement('td');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        const note = await action();
        await (after || load)();
        if (note && note.text) { say(statusLine, note.text, note.kind); }
      } catch (failure) { say(statusLine, failure.message, 'error'); b.disabled = false; }
    });
    td.appendChild(b);
    return td;
  }

  function fill(tableId, items, columns, actions) {
    const body = document.querySelector('#' + tableId + ' tbody');
    body.replaceChildren();
    if (items.length === 0) {
      const row = body.insertRow();
      const td = cell('None.', 'empty');
      td.colSpan = 10;
      row.appendChild(td);
      return;
    }
    for (const item of items) {
      const row = body.insertRow();
      if (item.id !== undefined) { row.dataset.id = item.id; }
      for (const column of columns) {
        const value = column(item);
        row.appendChild(value instanceof HTMLElement ? value : cell(value));
      }
      for (const action of (actions ? actions(item) : [])) { row.appendChild(action); }
    }
  }

  // ---- revenue: one group of bars per day, drawn as SVG so the page needs nothing from elsewhere.
  const SVG = 'http://www.w3.org/2000/svg';

  function svg(name, attributes, text) {
    const element = document.createElementNS(SVG, name);
    for (const key of Object.keys(attributes)) { element.setAttribute(key, attributes[key]); }
    if (text !== undefined) { element.textContent = text; }
    return element;
  }

  function drawRevenue(report) {
    const chart = $('revenue-chart');
    chart.replaceChildren();
    const width = 720, height = 240, left = 64, right = 8, top = 12, bottom = 28;
    const days = report.byDay;
    const high = Math.max(1, ...days.map(d => Math.max(d.figures.captured, d.figures.refunded, d.figures.net)));
    const low = Math.min(0, ...days.map(d => d.figures.net));
    const y = value => top + (high - value) / (high - low) * (height - top - bottom);
    const slot = (width - left - right) / Math.max(1, days.length);
    const bar = Math.max(1, Math.min(18, slot / 2 - 2));
    chart.appendChild(svg('line', { x1: left, x2: width - right, y1: y(0), y2: y(0), stroke: '#8a93a3' }));
    chart.appendChild(svg('text', { x: left - 6, y: y(high) + 4, 'text-anchor': 'end', 'font-size': 11 }, money(high)));
    chart.appendChild(svg('text', { x: left - 6, y: y(0) + 4, 'text-anchor': 'end', 'font-size': 11 }, '0'));
    const labelEvery = Math.ceil(days.length / 10);
    const net = [];
    days.forEach((day, index) => {
      const x = left + index * slot + slot / 2;
      const group = svg('g', { 'data-date': day.date, class: 'day' });
      group.appendChild(svg('title', {}, day.date + ': captured ' + money(day.figures.captured, report.currency) + ', refunded '
        + money(day.figures.refunded, report.currency) + ', fines ' + money(day.figures.fines, report.currency) + ', net ' + money(day.figures.net, report.currency)));
      group.appendChild(svg('rect', { x: x - bar - 1, y: y(day.figures.captured), width: bar, height: Math.max(0, y(0) - y(day.figures.captured)), fill: '#2f7d4f', class: 'captured' }));
      group.appendChild(svg('rect', { x: x + 1, y: y(day.figures.refunded), width: bar, height: Math.max(0, y(0) - y(day.figures.refunded)), fill: '#c0392b', class: 'refunded' }));
      if (index % labelEvery === 0) {
        group.appendChild(svg('text', { x: x, y: height - 10, 'text-anchor': 'middle', 'font-size': 11 }, day.date.slice(5)));
      }
      chart.appendChild(group);
      net.push(x + ',' + y(day.figures.net));
    });
    chart.appendChild(svg('polyline', { points: net.join(' '), fill: 'none', stroke: '#1d2430', 'stroke-width': 2, class: 'net' }));
    const rows = report.byKind.map(k => ({ id: k.kind, name: k.kind, f: k.figures })).concat([{ id: 'total', name: 'total', f: report.totals }]);
    fill('revenue-totals', rows, [r => r.name,
      r => cell(money(r.f.captured, report.currency), 'number'), r => cell(money(r.f.refunded, report.currency), 'number'),
      r => cell(money(r.f.fines, report.currency), 'number'), r => cell(money(r.f.net, report.currency), 'number')]);
  }

  // ---- breakers and the IoT queue, per silo: each silo has its own.
  function drawIntegrations(health) {
    const breakers = [];
    for (const silo of health.silos) {
      for (const breaker of silo.breakers) { breakers.push(Object.assign({ id: silo.silo + '/' + breaker.system, silo: silo.silo }, breaker)); }
    }
    fill('breakers', breakers, [b => b.silo, b => b.system, b => cell(b.state, 'state-' + b.state),
      b => b.siloThreshold + ' of ' + b.failureThreshold + ' failures', b => b.windowSeconds + ' s', b => b.breakSeconds + ' s',
      b => b.retryAfterSeconds === null ? '' : b.retryAfterSeconds + ' s']);
    fill('iot-queue', health.silos.map(s => Object.assign({ id: s.silo }, s)),
      [s => s.silo, s => cell(s.iotQueueDepth, 'number'), s => cell(s.iotQueueCapacity, 'number'), s => s.readAt]);
    say($('integration-summary'), (health.openBreakers.length ? 'Not closed: ' + health.openBreakers.join(', ') : 'Every breaker closed')
      + '; ' + health.iotQueueDepth + ' IoT commands waiting on ' + health.silos.length + ' silo(s).', health.openBreakers.length ? 'error' : 'ok');
  }

  // ---- a rental's detail and the decisions ADM-2 and ADM-3 give ops.
  async function showRental(id) {
    const data = await graphql('query($id: String!) { rental(id: $id) { ' + RENTAL_FIELDS + ' } }', { id: id });
    if (!data.rental) { throw new Error('NOT_FOUND: no rental ' + id + '.'); }
    drawRental(data.rental);
  }

  function drawRental(rental) {
    shownRental = rental;
    $('rental-id').value = rental.id;
    const detail = $('rental-detail');
    detail.hidden = false;
    detail.dataset.id = rental.id;
    detail.dataset.status = rental.status;
    const summary = $('rental-summary');
    summary.replaceChildren();
    const facts = [['Rental', rental.id], ['Status', rental.status], ['Customer', rental.customerId], ['Vehicle', rental.vin],
      ['Window', rental.startsAt + ' - ' + rental.endsAt], ['Authorized', moneyOf(rental.authorizedAmount)],
      ['Captured', moneyOf(rental.capturedAmount)], ['Refunded', moneyOf(rental.refundedAmount)]];
    if (rental.verificationIssues.length) { facts.push(['Verification', rental.verificationIssues.join('; ')]); }
    if (rental.errorCode) { facts.push(['Error', rental.errorCode + ': ' + (rental.errorMessage || '')]); }
    for (const [name, value] of facts) {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = value || '';
      summary.append(dt, dd);
    }
    fill('rental-fines', rental.fines, [f => f.reason, f => cell(moneyOf(f.amount), 'number')]);
    fill('rental-history', rental.history.map(h => Object.assign({ id: String(h.sequence) }, h)),
      [h => h.sequence, h => h.at, h => h.kind, h => h.from, h => h.to, h => h.cause, h => h.actor, h => h.traceId]);
    $('override-form').hidden = rental.status !== 'ReturnPending';
    $('fine-currency').textContent = (rental.authorizedAmount && rental.authorizedAmount.currency) || 'EUR';
  }

  function reasonFrom(input) {
    const reason = input.value.trim();
    if (!reason) { input.focus(); throw new Error('VALIDATION_FAILED: give the reason; it goes into the rental\'s history.'); }
    return reason;
  }

  async function act(label, run) {
    say(rentalMessage, label + '...');
    try {
      const rental = await run();
      drawRental(rental);
      say(rentalMessage, label + ': done; the rental is ' + rental.status + '.', 'ok');
      document.body.dataset.lastAction = 'done';
      load().catch(failure => say(statusLine, failure.message, 'error'));
    } catch (failure) {
      say(rentalMessage, failure.message, 'error');
      document.body.dataset.lastAction = 'error';
    }
  }

  function override(approved) {
    return act(approved ? 'Return approved' : 'Return refused', async () => {
      const reason = reasonFrom($('override-reason'));
      const data = await graphql('mutation($id: String!, $approved: Boolean!, $reason: String!) { overrideReturnVerification(rentalId: $id, approved: $approved, reason: $reason) { '
        + RENTAL_FIELDS + ' } }', { id: shownRental.id, approved: approved, reason: reason });
      $('override-reason').value = '';
      return data.overrideReturnVerification;
    });
  }

  $('override-approve').addEventListener('click', () => override(true));
  $('override-refuse').addEventListener('click', () => override(false));
  $('fine-form').addEventListener('submit', event => {
    event.preventDefault();
    act('Fine adjusted', async () => {
      const amount = Math.round(Number($('fine-amount').value) * 100);
      if (!Number.isFinite(amount) || amount === 0) { throw new Error('VALIDATION_FAILED: the amount is a non-zero sum; negative takes a fine back.'); }
      const reason = reasonFrom($('fine-reason'));
      const data = await graphql('mutation($id: String!, $amount: Long!, $reason: String!, $currency: String) { adjustFine(rentalId: $id, amount: $amount, reason: $reason, currency: $currency) { '
        + RENTAL_FIELDS + ' } }', { id: shownRental.id, amount: amount, reason: reason, currency: $('fine-currency').textContent });
      $('fine-reason').value = '';
      $('fine-amount').value = '';
      return data.adjustFine;
    });
  });
  $('rental-form').addEventListener('submit', event => {
    event.preventDefault();
    openRental($('rental-id').value.trim());
  });

  function openRental(id) {
    say(rentalMessage, 'Loading ' + id + '...');
    return showRental(id).then(() => { say(rentalMessage, ''); document.body.dataset.rental = id; },
      failure => { $('rental-detail').hidden = true; say(rentalMessage, failure.message, 'error'); document.body.dataset.rental = 'error'; });
  }

  // ---- the lists.
  const mutations = {
    acknowledge: id => graphql('mutation($id: String!) { acknowledgeOpsItem(id: $id) { id status } }', { id: id }),
    resolve: id => graphql('mutation($id: String!, $resolution: String!) { resolveOpsItem(id: $id, resolution: $resolution) { id status } }',
      { id: id, resolution: window.prompt('Resolution', 'handled') || 'handled' }),
    replay: async id => {
      const data = await graphql('mutation($id: String!) { replayDeadLetter(id: $id) { outcome deadLetter { error } } }', { id: id });
      const replay = data.replayDeadLetter;
      return { text: 'Replay of ' + id + ': ' + replay.outcome + (replay.outcome === 'Failed' ? ' (' + replay.deadLetter.error + ')' : '') + '.',
        kind: replay.outcome === 'Failed' ? 'error' : 'ok' };
    },
  };

  function itemActions(item) {
    return [
      item.status === 'Open' ? button('Acknowledge', () => mutations.acknowledge(item.id)) : cell(''),
      button('Resolve', () => mutations.resolve(item.id)),
    ];
  }

  const opsColumns = [i => i.id, i => i.status, i => i.subject, i => i.detail, i => (i.flowKind || '') + ' ' + (i.flowId || ''), i => i.raisedAt];

  async function load() {
    const data = await graphql(QUERY, { threshold: Number(thresholdInput.value) || 0, from: $('revenue-from').value, to: $('revenue-to').value });
    drawRevenue(data.revenueReport);
    drawIntegrations(data.integrationHealth);
    fill('active-rentals', data.activeRentals.items,
      [r => r.id, r => r.status, r => r.customerId, r => r.vin, r => r.startsAt + ' - ' + r.endsAt, r => r.since],
      r => [button('Open', () => openRental(r.id), () => Promise.resolve())]);
    fill('ops-alerts', data.opsAlerts.items, opsColumns, itemActions);
    fill('support-tickets', data.supportTickets.items, opsColumns, itemActions);
    fill('dead-letters', data.deadLetters.items, [d => d.id, d => d.source, d => d.error, d => d.attempts, d => d.failedAt],
      d => [button('Replay', () => mutations.replay(d.id))]);
    fill('stuck-flows', data.stuckFlows.flows.items, [f => f.id, f => f.kind, f => f.state, f => f.lastMovedAt, f => f.stuckForSeconds + ' s']);
    say(statusLine, 'Loaded at ' + new Date().toISOString() + ': ' + data.activeRentals.totalCount + ' active rentals, '
      + data.opsAlerts.totalCount + ' alerts, ' + data.supportTickets.totalCount + ' tickets, '
      + data.deadLetters.totalCount + ' dead letters, ' + data.stuckFlows.flows.totalCount + ' stuck flows.');
    document.body.dataset.loaded = 'true';
  }

  function loadOrSay() {
    say(statusLine, 'Loading...');
    load().catch(failure => { say(statusLine, failure.message, 'error'); document.body.dataset.loaded = 'error'; });
  }

  $('token-form').addEventListener('submit', event => { event.preventDefault(); loadOrSay(); });
  $('revenue-form').addEventListener('submit', event => { event.preventDefault(); loadOrSay(); });
  thresholdInput.addEventListener('change', loadOrSay);
  if (tokenInput.value) {
    loadOrSay();
    if (fragment.get('rental')) { openRental(fragment.get('rental')); }
  }
}());
