import json, urllib.request, urllib.error
import os
os.chdir(os.path.dirname(os.path.abspath(__file__)))
base = {"connector.class": "io.debezium.connector.postgresql.PostgresConnector", "name": "tfplugins-validate",
        "database.hostname": "127.0.0.1", "database.port": "55432", "database.user": "postgres",
        "database.password": "postgres", "database.dbname": "sluice_test", "topic.prefix": "tfpv", "plugin.name": "pgoutput"}
json.dump(base, open('validate-base.json','w'), indent=1)
reqs = json.load(open('validate-requests.json'))
for name, extra in reqs.items():
    body = dict(base); body.update(extra)
    req = urllib.request.Request('http://127.0.0.1:58083/connector-plugins/io.debezium.connector.postgresql.PostgresConnector/config/validate',
        data=json.dumps(body).encode(), method='PUT', headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(req) as r:
        v = json.load(r)
    print(name, v['error_count'])
    open('validate-%s.json' % name, 'w').write(json.dumps(v, indent=1))
