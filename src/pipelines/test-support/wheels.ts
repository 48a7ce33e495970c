import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { testPython } from '../../shared/test-support/test-python.js';

/**
 * A wheel of one module `name` whose `VALUE` is `value`, written by hand (a zip with the dist-info files pip
 * needs), so installing it needs no network and no build backend.
 */
export function writeWheel(dir: string, name: string, version: string, value: string): string {
  const file = join(dir, `${name}-${version}-py3-none-any.whl`);
  const script = `
import sys, zipfile
name, version, value, file = sys.argv[1:5]
info = f"{name}-{version}.dist-info"
files = {
    f"{name}/__init__.py": f"VALUE = {value!r}\\n",
    f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n",
    f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: bosun-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
files[f"{info}/RECORD"] = "".join(f"{p},,\\n" for p in [*files, f"{info}/RECORD"])
with zipfile.ZipFile(file, "w") as z:
    for path, text in files.items():
        z.writestr(path, text)
`;
  execFileSync(testPython(), ['-c', script, name, version, value, file]);
  return file;
}
