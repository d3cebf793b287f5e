#!/usr/bin/env bash
# Build the HTML docs site of secops.mimecast offline (make docs):
#   1. stage the collection as ansible_collections/secops/mimecast (.build/collections),
#   2. antsibull-docs sphinx-init: a Sphinx project in .build/docs,
#   3. antsibull-docs collection: the plugin pages (with docs/docsite/extra-docs.yml and links.yml),
#   4. the Markdown guides of docs/ (and simulator/README.md) rendered with MyST,
#   5. sphinx-build -W: warnings are errors.
# Output: .build/docs/build/html/index.html
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$root/.venv}"
export PATH="$venv/bin:$PATH"
py="$venv/bin/python"
collections="$root/.build/collections"
site="$root/.build/docs"
repo_url="$(sed -n 's/^repository:[[:space:]]*//p' "$root/galaxy.yml")"

for tool in antsibull-docs sphinx-build; do
  command -v "$tool" >/dev/null || { echo "build_docs: $tool not found (run make venv)" >&2; exit 1; }
done
"$py" -c 'import sphinx_ansible_theme, myst_parser' 2>/dev/null ||
  { echo "build_docs: sphinx-ansible-theme and myst-parser are needed (requirements-dev.txt; run make venv)" >&2; exit 1; }

"$py" "$root/.ci/stage.py" --dest "$collections" >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$collections"

rm -rf "$site"
mkdir -p "$site"
chmod 700 "$site"   # sphinx-init wants a directory only its owner can write

# The landing page: the collection, the guides, the indexes.
index_src="$(mktemp)"
trap 'rm -f "$index_src"' EXIT
cat >"$index_src" <<'EOF'
.. _docsite_root_index:

secops.mimecast
===============

Triage Mimecast held messages (the quarantine) at scale with Ansible: list, release and reject
held messages, inspect the processing queue and message details, and run rules-driven bulk
triage with dry runs and reports, from a shell, CI or AWX.

.. toctree::
   :maxdepth: 1
   :caption: Guides:

   guides/docs/getting-started
   guides/docs/triage-rules
   guides/docs/reports
   guides/docs/awx
   guides/docs/ci
   guides/docs/simulator
   guides/docs/troubleshooting
   guides/docs/others

.. toctree::
   :maxdepth: 2
   :caption: Collection:

   collections/index

.. toctree::
   :maxdepth: 1
   :caption: Plugin indexes:
   :glob:

   collections/index_*

.. toctree::
   :maxdepth: 1
   :caption: Reference indexes:

   collections/environment_variables
EOF

antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$site" \
  --index-rst-source "$index_src" \
  --project secops.mimecast --copyright 'secops.mimecast contributors' \
  --title 'secops.mimecast documentation' --html-short-title 'secops.mimecast' \
  secops.mimecast >/dev/null

# Offline: no intersphinx inventories to fetch. Markdown guides through MyST.
cat >>"$site/conf.py" <<'EOF'

# ---- added by scripts/build_docs.sh
intersphinx_mapping = {}
extensions.append('myst_parser')
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3
myst_enable_extensions = ['colon_fence']
EOF

cd "$site"
mkdir -p rst
chmod og-w rst
antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --use-current \
  --fail-on-error --dest-dir rst secops.mimecast

# The guides keep their repository layout (rst/guides/docs/*.md, rst/guides/simulator/README.md)
# so that their relative links work; a link to any other repository file goes to the repository.
guides="$site/rst/guides"
mkdir -p "$guides/docs" "$guides/simulator"
copied=()
for md in "$root"/docs/*.md; do
  name="$(basename "$md" .md)"
  [ "$name" = design ] && continue   # for contributors, not users
  cp "$md" "$guides/docs/"
  copied+=("$name")
done
[ -f "$root/simulator/README.md" ] && cp "$root/simulator/README.md" "$guides/simulator/README.md"
[ -d "$root/docs/rules-examples" ] && cp -r "$root/docs/rules-examples" "$guides/docs/"
# Guides in docs/ that the index above does not name.
{
  echo '# More guides'
  echo
  echo '```{toctree}'
  echo ':maxdepth: 1'
  echo
  for name in "${copied[@]}"; do
    case "$name" in
      getting-started|triage-rules|reports|awx|ci|simulator|troubleshooting) ;;
      *) echo "$name" ;;
    esac
  done
  [ -f "$guides/simulator/README.md" ] && echo '../simulator/README'
  echo '```'
} >"$guides/docs/others.md"
"$py" - "$guides" "$repo_url" <<'EOF'
import os
import re
import sys

guides, repo_url = sys.argv[1], sys.argv[2].rstrip('/')
link = re.compile(r'\]\((?!https?:|mailto:|#)([^)\s]+)\)')
for folder in ('docs', 'simulator'):
    base = os.path.join(guides, folder)
    for name in os.listdir(base):
        if not name.endswith('.md'):
            continue
        path = os.path.join(base, name)
        with open(path) as handle:
            text = handle.read()

        def fix(match, folder=folder):
            target = match.group(1)
            local = os.path.normpath(os.path.join(guides, folder, target.split('#')[0]))
            if os.path.isfile(local) and local.startswith(guides + os.sep):
                return match.group(0)
            repo_path = os.path.normpath(os.path.join(folder, target))
            kind = 'tree' if target.endswith('/') else 'blob'
            return '](%s/%s/main/%s)' % (repo_url, kind, repo_path)

        with open(path, 'w') as handle:
            handle.write(link.sub(fix, text))
EOF

# Labels of the Ansible docs that the plugin pages refer to (common_return_values, ...): offline there
# is no intersphinx inventory, so each one gets a stub section pointing to docs.ansible.com.
"$py" - "$site/rst" <<'EOF'
import os
import re
import sys

rst = sys.argv[1]
defined, wanted = set(), set()
for folder, _dirs, files in os.walk(rst):
    for name in files:
        if not name.endswith(('.rst', '.md')):
            continue
        with open(os.path.join(folder, name)) as handle:
            text = handle.read()
        defined.update(re.findall(r'^\.\. _([^:\s][^:]*):\s*$', text, re.M))
        defined.update(re.findall(r'^\(([^)\s]+)\)=\s*$', text, re.M))
        for ref in re.findall(r':ref:`([^`]+)`', text):
            wanted.add(ref.rsplit('<', 1)[1].rstrip('>').strip() if ref.endswith('>') else ref.strip())
missing = sorted(label for label in wanted - defined if not label.startswith('ansible_collections.secops.mimecast'))
with open(os.path.join(rst, 'external_refs.rst'), 'w') as out:
    out.write(':orphan:\n\nReferences to the Ansible documentation\n=======================================\n\n')
    for label in missing:
        title = label.replace('_', ' ')
        out.write('.. _%s:\n\n%s\n%s\n\nSee `%s in the Ansible documentation '
                  '<https://docs.ansible.com/ansible/latest/search.html?q=%s>`__.\n\n'
                  % (label, title, '-' * len(title), title, label))
EOF

sphinx-build -M html rst build -c . -W --keep-going -q
echo "docs site: $site/build/html/index.html"
