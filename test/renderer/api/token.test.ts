import assert from 'node:assert/strict'
import { test } from 'node:test'
import { apiSocketUrl, takeToken, type TokenWindow } from '../../../src-renderer/src/api/token.ts'

function fakeWindow(search: string) {
  const stored = new Map<string, string>()
  const replaced: string[] = []
  const win = {
    location: { search, pathname: '/', hash: '#grid', protocol: 'http:', host: '127.0.0.1:5000' },
    history: { state: null, replaceState: (_: unknown, __: string, url: string) => void replaced.push(url) },
    sessionStorage: {
      getItem: (k: string) => stored.get(k) ?? null,
      setItem: (k: string, v: string) => void stored.set(k, v),
    },
  }
  return { win: win as TokenWindow, stored, replaced }
}

test('the token leaves the address bar for session storage, and a reload finds it there', () => {
  const first = fakeWindow('?token=s3cr%2Ft&project=%2Fdata%2Fp')
  assert.equal(takeToken(first.win), 's3cr/t')
  assert.deepEqual(first.replaced, ['/?project=%2Fdata%2Fp#grid'])
  // The reload: the same tab's storage, an address without the token.
  const again = fakeWindow('?project=%2Fdata%2Fp')
  for (const [k, v] of first.stored) again.win.sessionStorage.setItem(k, v)
  assert.equal(takeToken(again.win), 's3cr/t')
  assert.deepEqual(again.replaced, [])
  assert.equal(takeToken(fakeWindow('').win), null)
  assert.equal(
    apiSocketUrl({ protocol: 'http:', host: '127.0.0.1:5000', search: '?token=a%2Fb' }),
    'ws://127.0.0.1:5000/api?token=a%2Fb',
  )
})
