import { LINK_LIMITS, TEXT_LIMITS, type TextLimit } from '../../domain/text';

/** The API's limits (domain/text.ts), so a form refuses what the API would refuse, before it is sent. */
export { LINK_LIMITS, TEXT_LIMITS };

/** A form rule holding a field to a kind of text's limit (or a link's length), in the users' words. */
export function atMost(limit: TextLimit | number): { max: number; message: string } {
  const max = typeof limit === 'number' ? limit : TEXT_LIMITS[limit];
  return { max, message: `不能超过${max}个字符` };
}
