// The phrasings the offline planner recognises, as patterns over normalised (lowercased, corrected) text.

export const DEVICE_WORDS = '(?:laptop|computer|mac|macbook|pc|device|machine|notebook|workstation|desktop|thinkpad|surface)';

/** The requester pointing at themselves in an answer to "whom do you mean?". */
export const SELF = /\b(?:mine|me|myself|my own|my)\b/;

export const RE = {
  negatedAction: /\b(?:don'?t|do not|never|no need to|not)\s+(?:\w+\s+){0,2}(?:restart|reboot|wipe|erase|lock|reset|delete|touch|open|create|give|grant|remove)\b/,
  password:
    /\b(?:pass ?word|passcode|pwd|credentials?)\b.*\b(?:reset|forgot|forgotten|change|changed|expired?|expiring|lost|recover|new|remember|work(?:ing)?|wrong|incorrect|locked|stopped)\b|\b(?:reset|forgot|forgotten|change|recover|lost|expired?|new)\b.*\b(?:pass ?word|passcode|pwd|credentials?)\b|\blocked out\b|\b(?:can'?t|cannot|unable to|couldn'?t) (?:log|sign) ?(?:in|on)\b|\blogin (?:is )?(?:not working|broken|failing)\b|\b(?:needs?|wants?) (?:a )?(?:reset|new login)\b(?<!\b(?:laptop|computer|device|machine|mac|phone|printer|router)\b.*)(?!.*\b(?:laptop|computer|device|machine|mac|phone|printer|router)\b)/,
  wipe: /\b(?:wipe|erase|factory[- ]reset|remote[- ]wipe|nuke|delete everything on)\b/,
  stolen: /\b(?:stolen|lost|missing|left .{0,20}(?:train|taxi|bus|plane|airport|cab|uber))\b/,
  lock: /\block\b(?!ed out)(?! out)|\bscreen ?lock\b/,
  restart: /\b(?:restart|reboot|re-boot|power ?cycle|turn (?:it )?off and (?:on|back on))\b/,
  diagnostic:
    /\b(?:slow|sluggish|laggy?|lagging|freez(?:e|es|ing)|frozen|hang(?:s|ing)?|crash(?:es|ing|ed)?|overheat(?:s|ing)?|hot|fan|battery|disk|storage|space|full|diagnos(?:e|tic|tics)|health|check[- ]?up|compliance|compliant|performance|beach ?ball|spinning|blue screen|bsod|acting up|acting weird|keeps? (?:dying|shutting down)|running out)\b/,
  diagnosticVerb: /\b(?:check|scan|look at|inspect|test|examine)\b.*\b(?:my|the)?\s*(?:laptop|computer|mac|macbook|pc|device|machine|notebook)\b/,
  access:
    /\b(?:access|permissions?|rights)\b|\b(?:read|write|admin|read[- ]only)(?: access| rights| perms)? (?:on|to|in|for (?!\d|an? |one |two |three |four |five |six |seven |eight |twelve |the (?:day|week)))(?!(?:my|the|a) (?:ticket|laptop|computer|device))|\b(?:add|invite|onboard) (?:me|the \S+|\S+) (?:to|on)\b|\bgrant me\b|\bgive me (?:a )?(?:login|account)\b|\bneed (?:an )?account (?:on|for|in)\b/,
  ticketStatus: /\b(?:status|update|updates|progress|news|eta|what'?s happening|what is happening|any word|where (?:is|are) (?:we|it)|follow(?:ing)? up|resolved|closed|fixed|done|solved|still open|open still)\b/,
  createTicket:
    /^(?:\S+\s+){0,2}(?:ticket|case)\s*[:-]|\b(?:open|create|file|raise|submit|log|make|start|put in)\b (?:a |an |me a )?(?:new )?(?:(?:urgent|high|low|medium|normal)(?:[- ]priority)? )?(?:support |it |help ?desk )?(?:ticket|case|incident|request)\b|\bescalate\b|\b(?:talk|speak|chat) (?:to|with) (?:a |an |some)?(?:human|person|one|body|technician|agent|it)\b|\breal person\b|\bcall me\b|\bneed a human\b/,
  hardware:
    /\b(?:printer|projector|toner|display|tv|meeting room|conference room|microphone|mic|speakers?|audio|sound|internet|network|phone|monitor|keyboard|mouse|headset|headphones|webcam|camera|dock|docking station|charger|cable|screen (?:is )?(?:broken|cracked)|spilled|won'?t (?:turn|power) on|doesn'?t (?:turn|power) on|wifi|wi-fi|email|outlook|zoom|slack app|software install|install)\b/,
  // Read-only questions about one's own things; asked before anything that would open a request.
  approvalQueue: /\b(?:approvals?|approve|queue|sign[- ]?off)\b.*\b(?:waiting|pending|for me|my|queue|open|outstanding)\b|\b(?:waiting|pending) (?:on|for) (?:me|my)\b|\bsign[- ]?off on\b|\bneeds? my (?:ok|okay|approval|sign[- ]?off|go[- ]ahead)\b|\b(?:what|anything|something|any)\b.*\b(?:to approve|waiting for (?:me|my approval)|needs? my approval)\b|\bpending approvals?\b|\bmy (?:approval )?queue\b/,
  myAccess: /\b(?:what|which|show|list|see|check|view)\b.*\b(?:access|permissions?|grants?)\b.*\b(?:i|me|my)\b(?!.*\b(?:need|want|request|get me)\b)|\bmy (?:current )?(?:access|permissions|grants)\b(?!.*\b(?:to|for|on)\b)|\bdo i (?:still )?have\b.*\baccess\b|\b(?:active|current) (?:grants?|access)\b.*\b(?:i|me|my)\b|\bwhat (?:do )?i (?:have|got) access to\b/,
  myTickets: /\b(?:what|which|any) (?:of my )?(?:tickets|cases) (?:are|do i have|have i)\b|\bwhat (?:did|have) i (?:file|filed|open|opened|raise|raised|submit|submitted|log|logged|report|reported)\b|\b(?:my|i (?:have|opened|raised|filed))\b.*\b(?:tickets|cases|requests)\b|\b(?:what|which|show|list|any)\b.*\b(?:tickets|cases)\b.*\b(?:i|me|my)\b|\bmy (?:open |latest |last )?(?:ticket|tickets)\b(?!.*\bit-?\d)/,
  accessQuestion:
    /^(?:what|which|does|do|has|have|is|can|show|list|tell me|check|see|view|how much)\b.*\b(?:access|permissions?|grants?|rights)\b|^(?:is|are|does|do|has|have)\b.*\b(?:an? admin|admin|read|write)\b.*\b(?:on|to|in|for)\b|\b(?:what|which)\b.*\b(?:access|permissions?|grants?)\b.*\b(?:have|has|got|hold|holds)\b|\b(?:access|permissions?|grants?) (?:of|for)\b.*\?$/,
  accessRequest: /\b(?:need|needs|want|wants|request|give|grant|get|add|provide|like|requires?|set up|enable)\b|\b(?:can|could|may) \S+ (?:have|get)\b/,
  ticketsQuestion: /\b(?:what|which|show|list|see|any|view|check|how many)\b.*\b(?:tickets|cases)\b|\b(?:tickets|cases) (?:of|for|from|by|opened by|filed by)\b/,
  cancel: /\b(?:cancel|withdraw|scratch|call off|revoke)\s+(?:that|it|this|my|the|that request)\b|^(?:cancel|withdraw|nvm|never ?mind)\b|\bnever ?mind\b|\bforget (?:it|that|about it)\b|\bdon'?t need (?:it|that) any ?more\b|(?:^|[,.!]\s*|\b(?:no|wait|oh|actually),?\s+)cancel(?: it| that| this)?[.!]*$/,
  greeting: /^(?:hi|hello|hey|yo|hiya|howdy|good (?:morning|afternoon|evening)|help|what can you do|who are you|what are you)\b[\s!.?]*$/,
  thanks: /^(?:thanks|thank you|thx|ty|cheers|great|perfect|awesome)\b/,
  no: /^(?:no|nope|nah|no thanks|no thank you|not now|don'?t)\b/,
  bareNo: /^(?:no|nope|nah|no thanks|no thank you|not now|no way|don'?t|no,? (?:don'?t|stop|cancel)(?: it| that)?|no,? (?:i )?changed my mind|stop)[\s.!]*$/,
  /** "sure, low priority": a priority said with the yes to a ticket offer. */
  priorityNamed: /\b(?:low|medium|normal|high|urgent)(?:[- ]priority)?\b|\b(?:asap|no rush|whenever|not urgent)\b/,
  bareYes: /^(?:yes|yep|yeah|yup|sure|ok|okay|please do|do it|go ahead|yes please)[\s.!]*$/,
  actionVerb: /\b(?:lock|restart|reboot|wipe|erase|reset|check|give|grant|open|create|file|run)\b/,
  yes: /^(?:yes|yep|yeah|yup|sure|ok|okay|please do|do it|go ahead|please)\b/,
};

/** "… and alice's", "… and on the intern's", "… and mine": one more owner for the same request. */
export const AND_WHOSE =
  /^(.*\S)\s+and\s+(?:on\s+|for\s+|to\s+)?((?:the\s+)?@?[a-z0-9._@-]+['’]s(?:\s+(?:laptop|computer|device|machine|mac|password|account|one))?|mine|me|my (?:laptop|one|computer|device|account|password))(?:\s+(?:too|as well|also))?\s*[.!?]?$/i;

/**
 * A clause that is only an owner, the request it continues left out: "check my laptop, then sam's", "…; and
 * the intern's", "…, same for alice", "…, then mine". Group 1 is the owner as written.
 */
export const OWNER_ONLY_CLAUSE =
  /^(?:(?:and|also|then|now|plus|ok|okay|so)[,\s]+)*(?:(?:do |and )?(?:the )?same (?:for|with)\s+|(?:what|how) about\s+|do\s+)?(?:(?:for|on|to)\s+)?((?:the\s+)?@?[\p{L}\p{N}._@-]+['’]s|mine|(?:for\s+)?me|myself|my (?:laptop|one|computer|device|account|password))(?:\s+(?:laptop|computer|device|machine|mac|password|account|one))?(?:\s+(?:too|as well|also|please|pls|then))?[\s.!?]*$/u;

/** "… the same for alice", "…, then for the intern": the owner after "for" (not a possessive). */
export const FOR_OWNER_CLAUSE = /^(?:(?:and|also|then|now|plus|ok|okay|so)[,\s]+)*(?:(?:do |and )?(?:the )?same\s+)?for\s+((?:the\s+)?@?[\p{L}\p{N}._@-]+)(?:\s+(?:too|as well|also|please|pls))?[\s.!?]*$/u;

/** A follow-up asking for the last request again, for someone else: "and alice's too", "same for the intern". */
export const ALSO_FOR = /^(?:and|also|ok|okay|now)?[,\s]*(?:(?:same|do the same|the same) for\s+\S+(?:\s\S+)?|(?:for\s+|do\s+)?\S+(?:\s\S+)?\s*,?\s*(?:too|as well|also))\s*[.!]*$/;

/** "and the intern's", "what about sam's?", "and for alice", "and mine": the last request, for the person named. */
export const AND_FOR = /^(?:and|also|plus|now|then|(?:and )?(?:what|how) about)[,\s]+(?:(?:for|on|to)\s+)?(?:(?:the\s+)?@?[\p{L}\p{N}._@-]+['’]s(?:\s+(?:laptop|computer|device|machine|mac|password|account|one))?|mine|me|my (?:laptop|one|computer|device|account|password)|(?:the\s+)?@?[\p{L}\p{N}._@-]+)(?:\s+(?:too|as well|also|please|pls))?[\s.!?]*$/u;

/** "no, I meant alice", "sorry, I meant the intern's", "actually, for alice": the last request was for someone else. */
export const CORRECTION =
  /^(?:no|nope|sorry|oops|wait|actually|oh)?[,!.\s]*(?:i )?(?:meant|mean)\b|^(?:no|nope|sorry|oops|actually)[,!.\s]+(?:it'?s |it was |for |that was for )\S+(?:'s)?[.!]*$|^(?:(?:no|nope|sorry|oops|wait|actually|oh|hmm|hang on|scratch that|on second thought)[,!.\s]+)*(?:make (?:that|it)|change (?:that|it) to|switch (?:that|it) to|(?:that|it) should (?:be|have been)(?: for)?)\s+(?:for\s+)?\S+(?:\s\S+)?[.!]*$/;

/** "and what about mine?", "mine then": the requester's own, after being told only theirs can be shown. */
export const OWN_AGAIN = /^(?:(?:and|ok|okay|so|then)[,\s]+)*(?:(?:what|how) about |show |then )?(?:mine|me|my own|my (?:access|tickets))(?: then)?\s*\??$/;

/** "ok then just mine", "only alice's": the last request again, for that one person only. */
export const JUST_FOR = /^(?:(?:ok(?:ay)?|fine|alright|right|then|so)[,\s]+)*(?:just|only)\s+(?:mine|me|for me|my (?:laptop|one|computer|device|account|password)|(?:the\s+)?\S+'s)[.!]*$/;

/** A thing named with "the", not "my": after talking about someone else, it may be theirs. */
export const THE_THING = /\bthe (?:password|account|login|laptop|computer|device|machine|mac|notebook|pc|access)\b/;
