'use strict';
// Sandbox stand-in for an eRegistrations model (server/model.js): it loads the translations at
// load time and, like dbjs-ext's StringLine, throws when a message used as a fixed label holds a
// character StringLine rejects (line breaks, most control characters, U+2028, U+2029).
const messages = require('../i18n-messages.json');

const STRING_LINE = /^[\u0009 -\u2027\u2030-\uffff]*$/;
const LABELS = ['Business registration', 'legend'];

const labels = {};
for (const key of LABELS) {
  const value = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
  if (typeof value !== 'string' || !STRING_LINE.test(value)) {
    throw new TypeError(`${JSON.stringify(value)} doesn't match pattern`);
  }
  labels[key] = value;
}

module.exports = { labels };
