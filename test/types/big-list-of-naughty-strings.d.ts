/** The package ships a JSON array and no types. */
declare module 'big-list-of-naughty-strings' {
  const strings: string[];
  export default strings;
}
