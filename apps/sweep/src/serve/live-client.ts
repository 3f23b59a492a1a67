import { html, type SafeHtml } from '../html.js';

/**
 * The live page's script (added to the report page): follows `/events` and redraws the page
 * with the report's own `window.fnnReport.render(data)` on every update, with a small status
 * line. Constant text, no interpolation: the Content-Security-Policy allows it by its hash.
 */
export const LIVE_CLIENT_SCRIPT: SafeHtml = html`<script>
(function () {
  'use strict';
  var status = document.createElement('div');
  status.id = 'fnn-live';
  status.setAttribute('role', 'status');
  Object.assign(status.style, {
    position: 'fixed', top: '0.5rem', right: '0.75rem', zIndex: '10', padding: '0.2rem 0.6rem',
    font: '12px system-ui, sans-serif', background: '#fff', border: '1px solid #bbb', borderRadius: '4px',
  });
  var show = function (state, text) {
    status.dataset.state = state;
    status.textContent = text;
  };
  var time = function () {
    return new Date().toLocaleTimeString([], { hour12: false });
  };
  show('connecting', 'live · connecting…');
  document.body.appendChild(status);
  var ended = false;
  var source = new EventSource('/events');
  source.addEventListener('results', function (event) {
    window.fnnReport.render(JSON.parse(event.data));
    show('live', 'live · updated ' + time());
  });
  source.addEventListener('end', function (event) {
    ended = true;
    source.close();
    show('ended', 'sweep ' + JSON.parse(event.data).status + ' · ' + time());
  });
  source.addEventListener('error', function () {
    if (!ended) show('lost', 'connection lost · retrying…');
  });
})();
</script>`;
