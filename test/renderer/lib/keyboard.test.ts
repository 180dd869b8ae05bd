import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isTypingTarget } from '../../../src-renderer/src/lib/keyboard.ts'

/** A stand-in element: only the two fields the helper reads. */
function element(tagName: string, isContentEditable = false): EventTarget {
  return { tagName, isContentEditable } as unknown as EventTarget
}

test('isTypingTarget: text fields, selects and editable content take their keys', () => {
  for (const tag of ['INPUT', 'TEXTAREA', 'SELECT']) assert.equal(isTypingTarget(element(tag)), true, tag)
  assert.equal(isTypingTarget(element('DIV', true)), true, 'a contenteditable element')
})

test('isTypingTarget: anything else leaves the keys to the page', () => {
  assert.equal(isTypingTarget(null), false)
  for (const tag of ['BODY', 'BUTTON', 'DIV', 'CANVAS'])
    assert.equal(isTypingTarget(element(tag)), false, tag)
  assert.equal(isTypingTarget({} as EventTarget), false, 'the window or document: no tag name')
})
