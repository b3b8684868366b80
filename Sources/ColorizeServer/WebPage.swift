import Foundation

/// The single page of `colorize serve`: pick or drop a photo, compare grey and colorized with a
/// slider, change the temperature, download the result. Self-contained (no external resources).
/// With a hint-taking model, clicks on the photo drop colour points (drag to move, right-click to
/// remove) and each change re-colorizes; the hints download and load as the CLI's `--hints` JSON.
/// A colour reference photo (picked or dropped) is uploaded once and followed by every later
/// colorization until it is removed.
///
/// For tests: `/?example` feeds a generated picture through the same file input; `&hints=JSON`
/// then places those hints after the first colorization, as clicks would, and `&reference=example`
/// picks the same scene in colour as the reference. `document.body.dataset` shows the state:
/// `state` (busy, done, error), `hints` (how many the shown result used), `hintsSupported`, `rgb`
/// (the result's mean RGB in a 5×5 patch at each hint, "r,g,b r,g,b"), with `&hints=` `before`
/// (the same at those spots before any hint); `reference` (used or none), `spots` (the result's
/// mean RGB in a 9×9 patch on the sky and on the field) and with `&reference=` `before` (the same
/// before the reference).
enum WebPage {
    /// The page, its temperature slider starting at the model's own temperature.
    static func html(temperature: Double) -> String {
        let value = String(format: "%.2f", temperature)
        return template.replacingOccurrences(of: "MODEL_TEMPERATURE", with: value)
    }

    // Raw string: the script's text goes to the browser exactly as written.
    static let template = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Colorize</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body { font-family: system-ui, sans-serif; margin: 0; background: #f4f1ea; color: #222; }
        header { padding: 16px 24px; background: #2d3142; color: #fff; }
        header h1 { margin: 0; font-size: 22px; } header p { margin: 4px 0 0; opacity: .8; font-size: 14px; }
        main { padding: 20px 24px; }
        #drop { border: 2px dashed #888; border-radius: 10px; padding: 18px; text-align: center; background: #fff; }
        #drop.over { border-color: #e07a5f; background: #fff6f2; }
        .controls { display: flex; gap: 24px; align-items: center; margin: 14px 0; flex-wrap: wrap; }
        #hintbar, #refbar { gap: 10px; font-size: 14px; } [hidden] { display: none !important; }
        #refdrop { border: 2px dashed #888; border-radius: 8px; padding: 6px 10px; background: #fff; }
        #refdrop.over { border-color: #e07a5f; background: #fff6f2; }
        #refthumb { height: 48px; border-radius: 4px; box-shadow: 0 1px 3px #0006; }
        #compare { position: relative; display: inline-block; max-width: 100%; user-select: none; }
        #compare.hinting { cursor: crosshair; }
        #compare img { display: block; max-width: 100%; max-height: 70vh; }
        #color { position: absolute; top: 0; left: 0; clip-path: inset(0 0 0 50%); }
        #marks { position: absolute; inset: 0; pointer-events: none; }
        .mark { position: absolute; width: 18px; height: 18px; margin: -9px 0 0 -9px; padding: 0;
          border: 2px solid #fff;
          border-radius: 50%; box-shadow: 0 0 0 1px #000, 0 1px 4px #0008; background: none; cursor: move;
          pointer-events: auto; touch-action: none; -webkit-appearance: none; appearance: none; }
        .mark::-webkit-color-swatch-wrapper { padding: 0; }
        .mark::-webkit-color-swatch { border: none; border-radius: 50%; }
        .mark::-moz-color-swatch { border: none; border-radius: 50%; }
        #hintlist { list-style: none; padding: 0; margin: 10px 0; font-size: 13px;
          display: flex; flex-wrap: wrap; gap: 4px 14px; }
        #hintlist span { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
          border: 1px solid #000; }
        #hintlist button { border: none; background: none; cursor: pointer; padding: 0 4px; }
        .note { font-size: 14px; color: #555; margin: 6px 0; }
        #status { font-size: 14px; color: #555; min-height: 1.2em; }
        #download { display: none; padding: 6px 12px; background: #e07a5f; color: #fff; border-radius: 6px;
          text-decoration: none; }
        .error { color: #b00020; }
        </style></head>
        <body>
        <header><h1>Colorize</h1>
          <p>Drop a grey photo: a CNN trained in CIELAB paints it. Nothing leaves this machine.</p></header>
        <main>
          <div id="drop">Drop an image here, or <input type="file" id="file" accept="image/png,image/jpeg"></div>
          <div class="controls">
            <label>Temperature
              <input type="range" id="temperature" min="0.05" max="1" step="0.01" value="MODEL_TEMPERATURE">
              <span id="tvalue">MODEL_TEMPERATURE</span></label>
            <label>Compare <input type="range" id="split" min="0" max="100" value="50"></label>
            <a id="download" download="colorized.png">Download</a>
            <span id="status"></span>
          </div>
          <div class="controls" id="hintbar" hidden>
            <span>Colour hints: click the photo to add a point, drag to move it, right-click to remove it.</span>
            <button id="savehints" disabled>Download hints</button>
            <button id="loadbutton" disabled>Load hints</button>
            <input type="file" id="loadhints" accept=".json,application/json" hidden>
            <button id="clearhints" disabled>Clear</button>
          </div>
          <div class="controls" id="refbar" hidden>
            <span>Colour reference: a colour photo that shows what the colours should be.</span>
            <span id="refdrop">Drop it here, or <input type="file" id="reffile" accept="image/png,image/jpeg"></span>
            <img id="refthumb" alt="colour reference" hidden>
            <button id="clearref" disabled>Remove reference</button>
          </div>
          <p id="nohints" class="note" hidden>This model takes no colour hints
            (train one with <code>colorize pretrain --hints</code>).</p>
          <div id="compare"><img id="grey" draggable="false" alt="grey input"><img id="color" draggable="false"
            alt="colorized"><div id="marks"></div></div>
          <ul id="hintlist"></ul>
        </main>
        <script>
        const $ = id => document.getElementById(id);
        const data = document.body.dataset, params = new URLSearchParams(location.search);
        let current = null, size = null, grey = null, result = null, resultURL = null; // photo, its w×h, canvases
        let hints = [], hintsOn = false, timer = null, request = 0, controller = null;
        let testHints = null, reference = null; // reference: { file, id } of the uploaded colour photo
        let testReference = params.get('reference') === 'example';
        try { testHints = params.has('hints') ? JSON.parse(params.get('hints')) : null; } catch (_) { }
        const health = fetch('/api/health').then(r => r.json()).catch(() => ({}));
        health.then(h => {
          hintsOn = h.hints === 'true'; data.hintsSupported = hintsOn;
          $('hintbar').hidden = !hintsOn; $('nohints').hidden = hintsOn || h.hints === undefined;
          $('compare').classList.toggle('hinting', hintsOn);
          $('refbar').hidden = h.references !== 'true';
        });
        function status(text, error) { $('status').textContent = text; $('status').className = error ? 'error' : ''; }
        function fail(message) { status(message, true); data.state = 'error'; }
        const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
        const hex = rgb => '#' + rgb.map(v => v.toString(16).padStart(2, '0')).join('');
        // Mean sRGB of the (2r+1)² pixels around (x, y): the latest result, else the grey preview.
        function rgbAt(x, y, r = 0) {
          const c = result || grey; if (!c) return [128, 128, 128];
          const x0 = clamp(Math.floor(x) - r, 0, c.width - 1), y0 = clamp(Math.floor(y) - r, 0, c.height - 1);
          const w = Math.min(2 * r + 1, c.width - x0), h = Math.min(2 * r + 1, c.height - y0);
          const p = c.getContext('2d', { willReadFrequently: true }).getImageData(x0, y0, w, h).data, sum = [0, 0, 0];
          for (let i = 0; i < p.length; i += 4) for (let k = 0; k < 3; k++) sum[k] += p[i + k];
          return sum.map(s => Math.round(s / (w * h)));
        }
        // What the picker shows for a hint's colour: #rgb expanded, lab:A,B at a middle lightness.
        function swatch(color) {
          const c = color.trim().toLowerCase();
          if (/^#[0-9a-f]{6}$/.test(c)) return c;
          if (/^#[0-9a-f]{3}$/.test(c)) return '#' + [...c.slice(1)].map(d => d + d).join('');
          const m = c.match(/^lab: *(-?[0-9.]+) *, *(-?[0-9.]+)$/);
          if (!m) return '#808080';
          const fy = 65 / 116 + 16 / 116, f = t => t > 6 / 29 ? t ** 3 : 3 * (6 / 29) ** 2 * (t - 4 / 29);
          const [X, Y, Z] = [0.95047 * f(fy + m[1] / 500), f(fy), 1.08883 * f(fy - m[2] / 200)];
          const lin = [3.2406 * X - 1.5372 * Y - 0.4986 * Z, -0.9689 * X + 1.8758 * Y + 0.0415 * Z,
                       0.0557 * X - 0.2040 * Y + 1.0570 * Z];
          const gamma = v => v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
          return hex(lin.map(v => Math.round(255 * clamp(gamma(v), 0, 1))));
        }
        function toCanvas(img) {
          const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
          c.getContext('2d', { willReadFrequently: true }).drawImage(img, 0, 0); return c;
        }
        async function colorize() {
          clearTimeout(timer); timer = null;
          if (!current) return;
          if (controller) controller.abort(); // only the newest answer is shown
          const mine = ++request, sent = hints.map(({ x, y, color }) => ({ x, y, color }));
          controller = new AbortController();
          let url = '/api/colorize?temperature=' + $('temperature').value;
          if (sent.length) url += '&hints=' + encodeURIComponent(JSON.stringify(sent));
          const referenced = reference !== null;
          status('colorizing…'); data.state = 'busy';
          const started = performance.now();
          try {
            if (referenced && !reference.id) reference.id = await uploadReference(reference.file);
            let response = await fetch(url + (referenced ? '&reference=' + reference.id : ''),
                                       { method: 'POST', body: current, signal: controller.signal });
            if (response.status === 404 && referenced) { // the server let it go: send it again
              reference.id = await uploadReference(reference.file);
              response = await fetch(url + '&reference=' + reference.id,
                                     { method: 'POST', body: current, signal: controller.signal });
            }
            if (!response.ok) {
              const e = await response.json().catch(() => ({})); throw new Error(e.error || response.statusText);
            }
            const blobURL = URL.createObjectURL(await response.blob()), img = new Image();
            img.src = blobURL; await img.decode();
            if (mine !== request) { URL.revokeObjectURL(blobURL); return; }
            if (resultURL) URL.revokeObjectURL(resultURL);
            resultURL = blobURL; result = toCanvas(img); size = size || { w: img.naturalWidth, h: img.naturalHeight };
            $('color').src = blobURL; $('download').href = blobURL; $('download').style.display = 'inline-block';
            status('done in ' + ((performance.now() - started) / 1000).toFixed(2) + ' s' +
                   (sent.length ? ' with ' + sent.length + (sent.length > 1 ? ' hints' : ' hint') : '') +
                   (referenced ? ' following the reference' : ''));
            data.hints = sent.length; data.rgb = sent.map(h => rgbAt(h.x, h.y, 2).join(',')).join(' ');
            data.reference = referenced ? 'used' : 'none';
            data.spots = testSpots.map(([x, y]) => rgbAt(x, y, 4).join(',')).join(' ');
            if (testHints) placeTestHints();
            else if (testReference) placeTestReference();
            else data.state = 'done';
          } catch (error) {
            if (error.name !== 'AbortError' && mine === request) fail(error.message);
          }
        }
        // Hint edits come in bursts (drags, picker moves): post once they pause.
        function schedule() { clearTimeout(timer); data.state = 'busy'; timer = setTimeout(colorize, 250); }
        function place(hint) {
          hint.mark.style.left = (hint.x + 0.5) / size.w * 100 + '%';
          hint.mark.style.top = (hint.y + 0.5) / size.h * 100 + '%';
        }
        // The image pixel under a pointer event, clamped to the photo (the displayed image is scaled).
        function pixel(event) {
          const r = $('grey').getBoundingClientRect();
          return { x: clamp(Math.floor((event.clientX - r.left) / r.width * size.w), 0, size.w - 1),
                   y: clamp(Math.floor((event.clientY - r.top) / r.height * size.h), 0, size.h - 1) };
        }
        function listHints() {
          $('hintlist').replaceChildren(...hints.map(hint => {
            const li = document.createElement('li'), dot = document.createElement('span');
            const x = document.createElement('button');
            dot.style.background = swatch(hint.color);
            x.textContent = '×'; x.title = 'remove'; x.onclick = () => removeHint(hint);
            li.append(dot, ' ' + hint.x + ', ' + hint.y + ' ' + hint.color, x); return li;
          }));
          for (const id of ['savehints', 'clearhints']) $(id).disabled = !hints.length;
        }
        // A hint's marker is its colour picker; a drag moves it instead of opening the picker.
        function addHint(x, y, color, post = true) {
          const mark = document.createElement('input'), hint = { x, y, color: color || hex(rgbAt(x, y)), mark };
          mark.type = 'color'; mark.className = 'mark'; mark.value = swatch(hint.color);
          mark.title = 'colour hint: click to change, drag to move, right-click to remove';
          let start = null, dragged = false;
          mark.addEventListener('pointerdown', e => {
            if (e.button !== 0) return;
            start = { x: e.clientX, y: e.clientY }; dragged = false; mark.setPointerCapture(e.pointerId);
          });
          mark.addEventListener('pointermove', e => {
            if (!start || (!dragged && Math.hypot(e.clientX - start.x, e.clientY - start.y) < 4)) return;
            dragged = true; Object.assign(hint, pixel(e)); place(hint);
          });
          mark.addEventListener('pointerup', () => {
            if (start && dragged) { listHints(); schedule(); }
            start = null;
          });
          mark.addEventListener('click', e => {
            e.stopPropagation(); // not a new hint underneath
            if (dragged) { e.preventDefault(); dragged = false; } // a drag, not a pick
          });
          mark.addEventListener('contextmenu', e => { e.preventDefault(); removeHint(hint); });
          mark.addEventListener('keydown', e => { if (e.key === 'Delete' || e.key === 'Backspace') removeHint(hint); });
          mark.addEventListener('change', () => { hint.color = mark.value; listHints(); schedule(); });
          hints.push(hint); $('marks').append(mark); place(hint); listHints();
          if (post) schedule();
          return hint;
        }
        function removeHint(hint) {
          hint.mark.remove(); hints = hints.filter(h => h !== hint); listHints(); schedule();
        }
        function clearHints() { for (const h of hints) h.mark.remove(); hints = []; listHints(); }
        $('compare').addEventListener('click', e => {
          if (!hintsOn || !size || !current || e.button !== 0) return;
          const p = pixel(e), hint = addHint(p.x, p.y);
          try { hint.mark.showPicker(); } catch (_) { } // starts at the result's colour there: accept or change it
        });
        // Test hook (`&hints=`): after the first colorization, place the hints as clicks would, then post
        // at once (headless Chromium's virtual time may run out before a debounce timer fires).
        async function placeTestHints() {
          const list = testHints; testHints = null;
          if ((await health).hints !== 'true') return fail('this model takes no colour hints');
          data.before = list.map(h => rgbAt(h.x, h.y, 2).join(',')).join(' ');
          for (const h of list) addHint(h.x, h.y, h.color, false);
          colorize();
        }
        // The reference is sent once; colorizations name it by the id the server gave it.
        async function uploadReference(file) {
          const response = await fetch('/api/reference', { method: 'POST', body: file });
          const answer = await response.json().catch(() => ({}));
          if (!response.ok) throw new Error(file.name + ': ' + (answer.error || response.statusText));
          return answer.id;
        }
        function chooseReference(file) {
          if (!file) return;
          if ($('refthumb').src) URL.revokeObjectURL($('refthumb').src);
          reference = { file, id: null };
          $('refthumb').src = URL.createObjectURL(file); $('refthumb').hidden = false; $('clearref').disabled = false;
          colorize();
        }
        $('reffile').addEventListener('change', e => chooseReference(e.target.files[0]));
        $('refdrop').addEventListener('dragover', e => { e.preventDefault(); $('refdrop').classList.add('over'); });
        $('refdrop').addEventListener('dragleave', () => $('refdrop').classList.remove('over'));
        $('refdrop').addEventListener('drop', e => {
          e.preventDefault(); $('refdrop').classList.remove('over'); chooseReference(e.dataTransfer.files[0]);
        });
        $('clearref').addEventListener('click', () => {
          reference = null; $('refthumb').hidden = true; $('clearref').disabled = true; $('reffile').value = '';
          colorize();
        });
        // Test hook (`&reference=example`): after the first colorization, the example scene in colour
        // goes into the reference picker as a user's pick would; `data-spots` holds the result's RGB at
        // the sky and the ground before (`data-before`) and after.
        const testSpots = [[60, 60], [300, 225]];
        function placeTestReference() {
          testReference = false; data.before = data.spots;
          pickCanvas(drawExample(true), 'reference.png', $('reffile'));
        }
        $('savehints').addEventListener('click', () => {
          const text = JSON.stringify({ hints: hints.map(({ x, y, color }) => ({ x, y, color })) }, null, 1);
          const a = document.createElement('a');
          a.href = URL.createObjectURL(new Blob([text + '\n'], { type: 'application/json' }));
          a.download = 'hints.json';
          a.click(); setTimeout(() => URL.revokeObjectURL(a.href), 1000);
        });
        $('loadbutton').addEventListener('click', () => $('loadhints').click());
        $('loadhints').addEventListener('change', async e => {
          const file = e.target.files[0]; e.target.value = '';
          if (!file) return;
          try {
            const json = JSON.parse(await file.text()), list = Array.isArray(json) ? json : json && json.hints;
            const valid = h => h && typeof h.x === 'number' && typeof h.y === 'number' && typeof h.color === 'string';
            if (!Array.isArray(list) || !list.every(valid)) {
              throw new Error('expected {"hints": [{"x": …, "y": …, "color": "#rrggbb"}, …]}');
            }
            clearHints(); for (const h of list) addHint(h.x, h.y, h.color, false);
            schedule();
          } catch (error) { fail(file.name + ': ' + error.message); }
        });
        $('clearhints').addEventListener('click', () => { clearHints(); schedule(); });
        function greyPreview(file) {
          const img = new Image();
          img.onload = () => {
            const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
            const g = c.getContext('2d', { willReadFrequently: true });
            g.filter = 'grayscale(1)'; g.drawImage(img, 0, 0);
            grey = c; size = { w: c.width, h: c.height }; $('grey').src = c.toDataURL();
            for (const h of hints) place(h);
          };
          img.src = URL.createObjectURL(file);
        }
        // A new photo starts without hints: they belong to the old one's pixels.
        function choose(file) {
          if (!file) return;
          current = file; size = grey = result = null; clearHints(); greyPreview(file); colorize();
          $('loadbutton').disabled = false;
        }
        $('file').addEventListener('change', e => choose(e.target.files[0]));
        $('drop').addEventListener('dragover', e => { e.preventDefault(); $('drop').classList.add('over'); });
        $('drop').addEventListener('dragleave', () => $('drop').classList.remove('over'));
        $('drop').addEventListener('drop', e => {
          e.preventDefault(); $('drop').classList.remove('over'); choose(e.dataTransfer.files[0]);
        });
        $('temperature').addEventListener('input', () => { $('tvalue').textContent = $('temperature').value; });
        $('temperature').addEventListener('change', colorize);
        $('split').addEventListener('input', () => {
          $('color').style.clipPath = 'inset(0 0 0 ' + $('split').value + '%)';
        });
        // A canvas as a PNG file put into a file input, as a user's pick would be (test hooks).
        function pickCanvas(canvas, name, input) {
          canvas.toBlob(blob => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([blob], name, { type: 'image/png' }));
            input.files = transfer.files;
            input.dispatchEvent(new Event('change'));
          }, 'image/png');
        }
        // The generated example scene: grey, or in colour (a blue sky, a green field, a brown hill).
        function drawExample(colour) {
          const c = document.createElement('canvas'); c.width = 384; c.height = 256;
          const g = c.getContext('2d');
          const sky = g.createLinearGradient(0, 0, 0, 160);
          sky.addColorStop(0, colour ? '#5a86c8' : '#9a9a9a'); sky.addColorStop(1, colour ? '#c8dcf0' : '#e0e0e0');
          g.fillStyle = sky; g.fillRect(0, 0, 384, 160);
          g.fillStyle = colour ? '#3f7a2c' : '#5a5a5a'; g.fillRect(0, 160, 384, 96);
          g.fillStyle = colour ? '#5a3c28' : '#3a3a3a';
          g.beginPath(); g.moveTo(0, 170); g.lineTo(120, 70); g.lineTo(250, 175); g.fill();
          g.fillStyle = colour ? '#fff4c0' : '#f0f0f0'; g.beginPath(); g.arc(310, 50, 22, 0, 7); g.fill();
          return c;
        }
        if (params.has('example')) {
          // The grey scene, put into the file input exactly as a user's pick would be.
          pickCanvas(drawExample(false), 'example.png', $('file'));
        }
        </script>
        </body></html>
        """#
}
