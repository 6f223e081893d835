// Lists the operations of the OpenAPI document; GET ones can be tried with the current session.
fetch('/api/v1/openapi.json').then(r => r.json()).then(doc => {
  const body = document.querySelector('#endpoints tbody');
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tr = document.createElement('tr');
      const cells = [method.toUpperCase(), path, op.summary || ''];
      for (const text of cells) { const td = document.createElement('td'); td.textContent = text; tr.appendChild(td); }
      const td = document.createElement('td');
      if (method === 'get') {
        const input = document.createElement('input');
        input.value = path.replace('{program}', 'zj-sc').replace('{year}', '2009').replace('{kind}', 'project').replace('{code}', '2009-boshu-bridge');
        input.size = 50;
        const button = document.createElement('button');
        button.textContent = 'GET';
        button.onclick = () => fetch('/api/v1' + input.value, {credentials: 'same-origin'})
          .then(r => r.text()).then(t => { document.getElementById('response').textContent = t; });
        td.append(input, button);
      }
      tr.appendChild(td);
      body.appendChild(tr);
    }
  }
});
