// The helped counties coloured by a figure (in its table's unit), named,
// with project points where projects have coordinates; a click on a county
// or a point opens its records. Counties are matched by their division
// code, which outlives their names.
window.twinaidCountyMap = function (node, counties, unit, points) {
  'use strict';
  if (!window.echarts) { return; }
  Promise.all(['/assets/geo-510800.json', '/assets/geo-511300.json'].map(function (u) {
    return fetch(u).then(function (r) { return r.json(); });
  })).then(function (parts) {
    // Names are people's text: escaped before a tooltip writes them as HTML.
    var esc = echarts.format && echarts.format.encodeHTML ? echarts.format.encodeHTML : function (t) { return String(t).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); };
    var names = {};
    counties.forEach(function (m) { names[m.code] = m.label; });
    // Only the places the table lists are drawn: a neighbour the program
    // does not help would show as a bare code, coloured as if it had a figure.
    var features = [];
    parts.forEach(function (p) { p.features.forEach(function (f) { f.properties.code = String(f.id); features.push(f); }); });
    var helped = features.filter(function (f) { return names[f.properties.code] !== undefined; });
    echarts.registerMap('helped', { type: 'FeatureCollection', features: helped.length ? helped : features });
    var name = function (p) { return names[p.name] || ''; };
    var values = counties.map(function (m) { return m.value; });
    var c = echarts.init(node);
    c.setOption({
      tooltip: { trigger: 'item', formatter: function (p) {
        if (p.seriesType === 'scatter') { return esc(p.data.label); }
        return esc(names[p.name] || p.name) + ': ' + (p.value == null || isNaN(p.value) ? '—' : p.value) + ' ' + esc(unit || '');
      } },
      visualMap: { seriesIndex: 0, min: 0, max: Math.max.apply(null, values.concat([1])), calculable: true, left: 'left', bottom: 10, text: [unit || '', ''],
        formatter: function (v) { return Number(v).toLocaleString(document.documentElement.lang, { maximumFractionDigits: 2 }); } },
      geo: { map: 'helped', nameProperty: 'code', roam: true,
        label: { show: true, fontSize: 10, formatter: name },
        emphasis: { label: { show: true, formatter: name } },
        labelLayout: { hideOverlap: true } },
      series: [
        { type: 'map', geoIndex: 0, data: counties.map(function (m) { return { name: m.code, value: m.value, href: m.href }; }) },
        { type: 'scatter', coordinateSystem: 'geo', symbolSize: 9, itemStyle: { color: '#b4232a' }, z: 5,
          data: points.map(function (p) { return { name: p.code, label: p.label, value: [p.lng, p.lat], href: p.href }; }) }
      ]
    });
    c.on('click', function (p) { if (p.data && p.data.href) { window.location.href = p.data.href; } });
    window.addEventListener('resize', function () { c.resize(); });
  });
};

// The map page: counties and project points.
(function () {
  'use strict';
  var node = document.getElementById('map-data');
  var target = document.getElementById('map-page');
  if (!node || !target) { return; }
  var data = JSON.parse(node.textContent);
  window.twinaidCountyMap(target, data.counties, data.unit, data.points);
})();

// Charts and the county map on the dashboard, drawn with ECharts from the
// figures the server put in #chart-data. Without JavaScript the tables beside
// each chart carry the same figures.
(function () {
  'use strict';
  // The pairing structure as a graph: helpers and the places they help.
  var structure = document.getElementById('structure-data');
  if (structure && window.echarts) {
    var g = JSON.parse(structure.textContent);
    var c = echarts.init(document.getElementById('chart-structure'));
    c.setOption({
      tooltip: {},
      legend: { data: g.categories },
      series: [{
        type: 'graph', layout: 'force', roam: true, draggable: true,
        force: { repulsion: 180, edgeLength: 90 },
        categories: g.categories.map(function (n) { return { name: n }; }),
        label: { show: true, position: 'right' },
        data: g.nodes,
        links: g.links.map(function (l) { return { source: l.source, target: l.target, lineStyle: { type: l.confirmed === '是' || l.confirmed === 'yes' ? 'solid' : 'dashed' } }; })
      }]
    });
    window.addEventListener('resize', function () { c.resize(); });
  }
  var dataNode = document.getElementById('chart-data');
  if (!dataNode || !window.echarts) { return; }
  var data = JSON.parse(dataNode.textContent);
  var zh = data.lang === 'zh';
  // Money arrives in the tables' unit (万元 in Chinese, yuan in English), made by the server's one formatter.
  var money = function (value) { return value; };
  var chart = function (id) {
    var node = document.getElementById(id);
    return node ? echarts.init(node) : null;
  };
  var draw = function (id, option) {
    var c = chart(id);
    if (c) { c.setOption(option); window.addEventListener('resize', function () { c.resize(); }); }
    return c;
  };
  draw('chart-sources', {
    tooltip: { trigger: 'item' },
    series: [{ type: 'pie', radius: ['35%', '65%'], data: data.sources.map(function (s) { return { name: s.name, value: money(s.value) }; }) }]
  });
  draw('chart-years', {
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: data.years.map(function (y) { return String(y.year); }) },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: data.years.map(function (y) { return money(y.aid_funds); }) }]
  });
  draw('chart-categories', {
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: data.categories.map(function (c) { return c.name; }), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: data.categories.map(function (c) { return c.value; }) }]
  });
  draw('chart-people', {
    tooltip: { trigger: 'axis' },
    legend: {},
    xAxis: { type: 'category', data: data.years.map(function (y) { return String(y.year); }) },
    yAxis: { type: 'value' },
    series: [
      { name: zh ? '实用技术培训' : 'practical trainees', type: 'bar', data: data.years.map(function (y) { return y.practical_trainees; }) },
      { name: zh ? '劳务输出' : 'labour transferred', type: 'bar', data: data.years.map(function (y) { return y.labour_transferred; }) }
    ]
  });
  var mapNode = document.getElementById('chart-map');
  if (mapNode) { window.twinaidCountyMap(mapNode, data.map, data.map_unit, []); }
})();

// Large imports: show how far the upload is, then how far the server has
// read, checked and written it (asked every half second under a token the
// page chose). Without JavaScript the form posts as usual.
(function () {
  var form = document.getElementById('import-form');
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  // Marks the form as watched (what a test can see).
  form.setAttribute('data-progress', 'on');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var bar = document.getElementById('import-progress');
    var stage = document.getElementById('import-stage');
    var zh = document.documentElement.lang === 'zh-CN';
    var token = '';
    var random = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(random);
    for (var i = 0; i < random.length; i++) { token += ('0' + random[i].toString(16)).slice(-2); }
    var polling = null;
    var ask = function () {
      var poll = new XMLHttpRequest();
      poll.open('GET', '/imports/progress/' + token);
      poll.onload = function () {
        if (poll.status !== 200 || !polling) { return; }
        var p;
        try { p = JSON.parse(poll.responseText); } catch (e) { return; }
        if (p.stage === 'writing' && p.total > 0) {
          bar.max = p.total;
          bar.value = p.done;
          stage.textContent = p.label + ' ' + p.done + ' / ' + p.total;
        } else {
          bar.removeAttribute('value');
          stage.textContent = p.label + (p.total > 0 ? ' ' + p.total : '');
        }
      };
      poll.send();
    };
    bar.hidden = false;
    form.querySelector('button[type=submit]').disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action + (form.action.indexOf('?') < 0 ? '?' : '&') + 'progress=' + token);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.max = 100;
        bar.value = Math.round(e.loaded / e.total * 100);
        stage.textContent = (zh ? '正在上传 ' : 'Uploading ') + bar.value + '%';
      }
    };
    xhr.upload.onload = function () {
      bar.removeAttribute('value');
      stage.textContent = zh ? '正在检查并写入…' : 'Checking and writing…';
      polling = window.setInterval(ask, 500);
    };
    var stop = function () {
      if (polling) { window.clearInterval(polling); polling = null; }
    };
    xhr.onerror = xhr.onabort = xhr.ontimeout = function () {
      stop();
      bar.hidden = true;
      stage.textContent = zh ? '上传中断，请重试。' : 'The upload was interrupted; please try again.';
      form.querySelector('button[type=submit]').disabled = false;
    };
    xhr.onload = function () {
      stop();
      // Success redirects to the list; a refusal is the import page with its problems.
      if (xhr.responseURL && xhr.responseURL.indexOf('/import') < 0) {
        window.location.href = xhr.responseURL;
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    };
    xhr.send(new FormData(form));
  });
})();

// Forms that ask before they act (data-confirm) and print buttons
// (data-print): here rather than in the page, which allows no inline script.
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener('click', function (event) {
    var target = event.target.closest ? event.target.closest('[data-print]') : null;
    if (target) { window.print(); }
  });
})();

// After a refused save the error summary takes the focus, so a screen
// reader reads it and a keyboard user goes from it to each field; menus
// close on a click elsewhere and on Escape.
(function () {
  'use strict';
  var summary = document.getElementById('form-error');
  if (summary) { summary.focus(); }
  var menus = function () { return document.querySelectorAll('details.menu[open]'); };
  document.addEventListener('click', function (event) {
    menus().forEach(function (m) { if (!m.contains(event.target)) { m.removeAttribute('open'); } });
  });
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') { return; }
    menus().forEach(function (m) {
      m.removeAttribute('open');
      var s = m.querySelector('summary');
      if (s && m.contains(document.activeElement)) { s.focus(); }
    });
  });
})();

// On a narrow screen the menu opens from its button.
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var toggle = document.querySelector('.nav-toggle');
  if (!toggle) { return; }
  toggle.addEventListener('click', function () {
    var header = toggle.closest('header');
    var open = header.classList.toggle('open');
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  });
})();

// The analysis page's chart: its table's first column, by row.
(function () {
  'use strict';
  var node = document.getElementById('analysis-data');
  var target = document.getElementById('chart-analysis');
  if (!node || !target || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  if (!data) { target.style.display = 'none'; return; }
  var c = echarts.init(target);
  c.setOption({
    title: { text: data.title, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid: { left: 60, right: 20, bottom: 90 },
    xAxis: { type: 'category', data: data.labels, axisLabel: { interval: 0, rotate: 40 } },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: data.values }]
  });
  window.addEventListener('resize', function () { c.resize(); });
})();
