import { correctSpelling, editDistance } from './spelling';

describe('spelling', () => {
  test.each([
    ['pls reset pw', 'please reset password'],
    ['reset my passwrod', 'reset my password'],
    ['my laptp is super slwo', 'my laptop is super slow'],
    ['need acess to githbu', 'need access to github'],
  ])('%s → %s', (typed, read) => expect(correctSpelling(typed)).toBe(read));

  test('never turns a word into wipe, and into lock or restart only from the same letters swapped', () => {
    expect(correctSpelling("my wife's laptop")).toBe("my wife's laptop");
    expect(correctSpelling('wype')).toBe('wype');
    expect(correctSpelling('wpie it')).toBe('wpie it');
    expect(correctSpelling('the clock is wrong, lokc it')).toBe('the clock is wrong, lock it');
    expect(correctSpelling('restrat my mac')).toBe('restart my mac');
    expect(correctSpelling('look at it')).toBe('look at it');
    expect(correctSpelling('lick it')).toBe('lick it');
  });

  test('leaves names alone, and short or unrelated words', () => {
    expect(correctSpelling("reset chuck's password", new Set(['chuck']))).toBe("reset chuck's password");
    expect(correctSpelling('the projector will not connect')).toBe('the projector will not connect');
    expect(correctSpelling('is it ok')).toBe('is it ok');
  });

  test('edit distance counts a transposition once and stops early past the bound', () => {
    expect(editDistance('slwo', 'slow', 1)).toBe(1);
    expect(editDistance('laptp', 'laptop', 1)).toBe(1);
    expect(editDistance('abcdefgh', 'zyxwvuts', 2)).toBe(3);
  });
});
