// The ops page: reads and acts through the same POST /graphql the operators' tools use. The token
// comes from the form, or from the address' fragment (#token=...), which never reaches a server.
(function () {
  'use strict';

  const QUERY = `query Ops($threshold: Int) {
    activeRentals(first: 200) { items { id status customerId vin startsAt endsAt since } totalCount }
    opsAlerts(first: 200) { items { id status subject detail flowKind flowId raisedAt } totalCount }
    supportTickets(first: 200) { items { id status subject detail flowKind flowId raisedAt } totalCount }
    deadLetters(first: 200) { items { id source error attempts failedAt } totalCount }
    stuckFlows(olderThanSeconds: $threshold, first: 200) { flows { items { id kind state lastMovedAt stuckForSeconds } totalCount } }
  }`;

  const tokenInput = document.getElementById('token');
  const statusLine = document.getElementById('status');
  const thresholdInput = document.getElementById('stuck-threshold');

  const fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.get('token')) { tokenInput.value = fragment.get('token'); }
  if (fragment.get('stuck')) { thresholdInput.value = fragment.get('stuck'); }

  async function graphql(query, variables) {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + tokenInput.value.trim() },
      body: JSON.stringify({ query: query, variables: variables }),
    });
    const body = await response.json();
    if (!response.ok) { throw new Error((body.code || response.status) + ': ' + (body.detail || body.title || 'request refused')); }
    if (body.errors && body.errors.length) { throw new Error(body.errors.map(e => ((e.extensions && e.extensions.code) || 'ERROR') + ': ' + e.message).join('; ')); }
    return body.data;
  }

  function cell(text) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    return td;
  }

  function button(label, action) {
    const td = document.createElement('td');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener('click', async () => {
      b.disabled = true;
      try { await action(); await load(); } catch (failure) { statusLine.textContent = failure.message; statusLine.className = 'error'; b.disabled = false; }
    });
    td.appendChild(b);
    return td;
  }

  function fill(tableId, items, columns, actions) {
    const body = document.querySelector('#' + tableId + ' tbody');
    body.replaceChildren();
    if (items.length === 0) {
      const row = body.insertRow();
      const td = cell('None.');
      td.colSpan = 10;
      td.className = 'empty';
      row.appendChild(td);
      return;
    }
    for (const item of items) {
      const row = body.insertRow();
      row.dataset.id = item.id;
      for (const column of columns) { row.appendChild(cell(column(item))); }
      for (const action of (actions ? actions(item) : [])) { row.appendChild(action); }
    }
  }

  const mutations = {
    acknowledge: id => graphql('mutation($id: String!) { acknowledgeOpsItem(id: $id) { id status } }', { id: id }),
    resolve: id => graphql('mutation($id: String!, $resolution: String!) { resolveOpsItem(id: $id, resolution: $resolution) { id status } }',
      { id: id, resolution: window.prompt('Resolution', 'handled') || 'handled' }),
    replay: id => graphql('mutation($id: String!) { replayDeadLetter(id: $id) { outcome } }', { id: id }),
  };

  function itemActions(item) {
    return [
      item.status === 'Open' ? button('Acknowledge', () => mutations.acknowledge(item.id)) : cell(''),
      button('Resolve', () => mutations.resolve(item.id)),
    ];
  }

  const opsColumns = [i => i.id, i => i.status, i => i.subject, i => i.detail, i => (i.flowKind || '') + ' ' + (i.flowId || ''), i => i.raisedAt];

  async function load() {
    statusLine.className = '';
    statusLine.textContent = 'Loading...';
    const data = await graphql(QUERY, { threshold: Number(thresholdInput.value) || 0 });
    fill('active-rentals', data.activeRentals.items,
      [r => r.id, r => r.status, r => r.customerId, r => r.vin, r => r.startsAt + ' - ' + r.endsAt, r => r.since]);
    fill('ops-alerts', data.opsAlerts.items, opsColumns, itemActions);
    fill('support-tickets', data.supportTickets.items, opsColumns, itemActions);
    fill('dead-letters', data.deadLetters.items, [d => d.id, d => d.source, d => d.error, d => d.attempts, d => d.failedAt],
      d => [button('Replay', () => mutations.replay(d.id))]);
    fill('stuck-flows', data.stuckFlows.flows.items, [f => f.id, f => f.kind, f => f.state, f => f.lastMovedAt, f => f.stuckForSeconds + ' s']);
    statusLine.textContent = 'Loaded at ' + new Date().toISOString() + ': ' + data.activeRentals.totalCount + ' active rentals, '
      + data.opsAlerts.totalCount + ' alerts, ' + data.supportTickets.totalCount + ' tickets, '
      + data.deadLetters.totalCount + ' dead letters, ' + data.stuckFlows.flows.totalCount + ' stuck flows.';
    document.body.dataset.loaded = 'true';
  }

  function loadOrSay() {
    load().catch(failure => { statusLine.textContent = failure.message; statusLine.className = 'error'; document.body.dataset.loaded = 'error'; });
  }

  document.getElementById('token-form').addEventListener('submit', event => { event.preventDefault(); loadOrSay(); });
  thresholdInput.addEventListener('change', loadOrSay);
  if (tokenInput.value) { loadOrSay(); }
}());
