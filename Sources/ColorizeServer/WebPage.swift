import Foundation

/// The single page of `colorize serve`: pick or drop a photo, compare grey and colorized with a
/// slider, change the temperature, download the result. Self-contained (no external resources).
/// `/?example` feeds a generated test picture through the same file input (used by the browser test).
enum WebPage {
    /// The page, its temperature slider starting at the model's own temperature.
    static func html(temperature: Double) -> String {
        let value = String(format: "%.2f", temperature)
        return template.replacingOccurrences(of: "MODEL_TEMPERATURE", with: value)
    }

    static let template = """
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
        #compare { position: relative; display: inline-block; max-width: 100%; user-select: none; }
        #compare img { display: block; max-width: 100%; max-height: 70vh; }
        #color { position: absolute; top: 0; left: 0; clip-path: inset(0 0 0 50%); }
        #status { font-size: 14px; color: #555; min-height: 1.2em; }
        #download { display: none; padding: 6px 12px; background: #e07a5f; color: #fff; border-radius: 6px; text-decoration: none; }
        .error { color: #b00020; }
        </style></head>
        <body>
        <header><h1>Colorize</h1><p>Drop a grey photo: a CNN trained in CIELAB paints it. Nothing leaves this machine.</p></header>
        <main>
          <div id="drop">Drop an image here, or <input type="file" id="file" accept="image/png,image/jpeg"></div>
          <div class="controls">
            <label>Temperature <input type="range" id="temperature" min="0.05" max="1" step="0.01" value="MODEL_TEMPERATURE"> <span id="tvalue">MODEL_TEMPERATURE</span></label>
            <label>Compare <input type="range" id="split" min="0" max="100" value="50"></label>
            <a id="download" download="colorized.png">Download</a>
            <span id="status"></span>
          </div>
          <div id="compare"><img id="grey" alt="grey input"><img id="color" alt="colorized"></div>
        </main>
        <script>
        const $ = id => document.getElementById(id);
        let current = null;
        async function colorize() {
          if (!current) return;
          const t = $('temperature').value;
          $('status').textContent = 'colorizing…'; $('status').className = '';
          const started = performance.now();
          try {
            const response = await fetch('/api/colorize?temperature=' + t, { method: 'POST', body: current });
            if (!response.ok) { const e = await response.json(); throw new Error(e.error || response.statusText); }
            const url = URL.createObjectURL(await response.blob());
            $('color').src = url; $('download').href = url; $('download').style.display = 'inline-block';
            $('status').textContent = 'done in ' + ((performance.now() - started) / 1000).toFixed(1) + ' s';
            document.body.dataset.state = 'done';
          } catch (error) {
            $('status').textContent = error.message; $('status').className = 'error'; document.body.dataset.state = 'error';
          }
        }
        function greyPreview(file) {
          const img = new Image();
          img.onload = () => {
            const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
            const g = c.getContext('2d'); g.filter = 'grayscale(1)'; g.drawImage(img, 0, 0);
            $('grey').src = c.toDataURL();
          };
          img.src = URL.createObjectURL(file);
        }
        function choose(file) { if (!file) return; current = file; greyPreview(file); colorize(); }
        $('file').addEventListener('change', e => choose(e.target.files[0]));
        $('drop').addEventListener('dragover', e => { e.preventDefault(); $('drop').classList.add('over'); });
        $('drop').addEventListener('dragleave', () => $('drop').classList.remove('over'));
        $('drop').addEventListener('drop', e => { e.preventDefault(); $('drop').classList.remove('over'); choose(e.dataTransfer.files[0]); });
        $('temperature').addEventListener('input', () => { $('tvalue').textContent = $('temperature').value; });
        $('temperature').addEventListener('change', colorize);
        $('split').addEventListener('input', () => { $('color').style.clipPath = 'inset(0 0 0 ' + $('split').value + '%)'; });
        if (location.search.includes('example')) {
          // A generated grey scene, put into the file input exactly as a user's pick would be.
          const c = document.createElement('canvas'); c.width = 384; c.height = 256;
          const g = c.getContext('2d');
          const sky = g.createLinearGradient(0, 0, 0, 160); sky.addColorStop(0, '#9a9a9a'); sky.addColorStop(1, '#e0e0e0');
          g.fillStyle = sky; g.fillRect(0, 0, 384, 160); g.fillStyle = '#5a5a5a'; g.fillRect(0, 160, 384, 96);
          g.fillStyle = '#3a3a3a'; g.beginPath(); g.moveTo(0, 170); g.lineTo(120, 70); g.lineTo(250, 175); g.fill();
          g.fillStyle = '#f0f0f0'; g.beginPath(); g.arc(310, 50, 22, 0, 7); g.fill();
          c.toBlob(blob => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([blob], 'example.png', { type: 'image/png' }));
            $('file').files = transfer.files;
            $('file').dispatchEvent(new Event('change'));
          }, 'image/png');
        }
        </script>
        </body></html>
        """
}
