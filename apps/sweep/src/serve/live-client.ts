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
  // Set by the end event: the sweep's outcome, shown once its final results are drawn.
  var outcome = null;
  // Only the newest update waiting is kept: a slow drawing skips to the latest state.
  var waiting = null;
  var drawing = false;
  var drawNext = function () {
    if (drawing) return;
    if (waiting === null) {
      if (outcome !== null) show('ended', 'sweep ' + outcome + ' · ' + time());
      return;
    }
    var data = waiting;
    waiting = null;
    drawing = true;
    Promise.resolve()
      .then(function () {
        return window.fnnReport.render(data);
      })
      .then(
        function () {
          show('live', 'live · updated ' + time());
        },
        function (error) {
          show('error', 'live · could not draw the update');
          console.error(error);
        },
      )
      .then(function () {
        drawing = false;
        drawNext();
      });
  };
  var source = new EventSource('/events');
  source.addEventListener('results', function (event) {
    waiting = JSON.parse(event.data);
    drawNext();
  });
  source.addEventListener('end', function (event) {
    source.close();
    outcome = JSON.parse(event.data).status;
    drawNext();
  });
  source.addEventListener('error', function () {
    if (outcome === null) show('lost', 'connection lost · retrying…');
  });
})();
</script>`;
