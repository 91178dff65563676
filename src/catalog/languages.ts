/**
 * @module
 * Language codes as the catalog stores them: ISO 639-1 (two letters) where one exists, else
 * ISO 639-3, lower case. Sources disagree (`eng-Latn` in MTEB, `zh-CN` in model cards,
 * `English` typed by a user), so every language that enters the catalog or a query goes
 * through `normaliseLanguage` and the store can compare codes as plain strings.
 *
 * The tables below were generated once from the `iso-639-3` npm package 3.0.1 (MIT, by
 * Titus Wormer, data from SIL's ISO 639-3 code tables) rather than depending on it at run
 * time: the package is 800 kB of names we would not use. Generated with the script in
 * docs/decisions/0002-offline-snapshot.md; special codes (`mis`, `mul`, `und`, `zxx`) are
 * left out on purpose, so "multiple/undetermined" normalises to null rather than matching.
 */

// --- generated from iso-639-3@3.0.1: do not edit by hand -------------------------------

/** `639-1:639-3:English name` for every language that has a two-letter code. */
const ISO_639_1_TABLE =
  "aa:aar:Afar|ab:abk:Abkhazian|ae:ave:Avestan|af:afr:Afrikaans|ak:aka:Akan|am:amh:Amharic|an:arg:Aragonese|ar:ara:Arabic|" +
  "as:asm:Assamese|av:ava:Avaric|ay:aym:Aymara|az:aze:Azerbaijani|ba:bak:Bashkir|be:bel:Belarusian|bg:bul:Bulgarian|bi:bis:Bislama|" +
  "bm:bam:Bambara|bn:ben:Bengali|bo:bod:Tibetan|br:bre:Breton|bs:bos:Bosnian|ca:cat:Catalan|ce:che:Chechen|ch:cha:Chamorro|" +
  "co:cos:Corsican|cr:cre:Cree|cs:ces:Czech|cu:chu:Church Slavic|cv:chv:Chuvash|cy:cym:Welsh|da:dan:Danish|de:deu:German|" +
  "dv:div:Dhivehi|dz:dzo:Dzongkha|ee:ewe:Ewe|el:ell:Modern Greek|en:eng:English|eo:epo:Esperanto|es:spa:Spanish|et:est:Estonian|" +
  "eu:eus:Basque|fa:fas:Persian|ff:ful:Fulah|fi:fin:Finnish|fj:fij:Fijian|fo:fao:Faroese|fr:fra:French|fy:fry:Western Frisian|" +
  "ga:gle:Irish|gd:gla:Scottish Gaelic|gl:glg:Galician|gn:grn:Guarani|gu:guj:Gujarati|gv:glv:Manx|ha:hau:Hausa|he:heb:Hebrew|" +
  "hi:hin:Hindi|ho:hmo:Hiri Motu|hr:hrv:Croatian|ht:hat:Haitian|hu:hun:Hungarian|hy:hye:Armenian|hz:her:Herero|ia:ina:Interlingua|" +
  "id:ind:Indonesian|ie:ile:Interlingue|ig:ibo:Igbo|ii:iii:Sichuan Yi|ik:ipk:Inupiaq|io:ido:Ido|is:isl:Icelandic|it:ita:Italian|" +
  "iu:iku:Inuktitut|ja:jpn:Japanese|jv:jav:Javanese|ka:kat:Georgian|kg:kon:Kongo|ki:kik:Kikuyu|kj:kua:Kuanyama|kk:kaz:Kazakh|" +
  "kl:kal:Kalaallisut|km:khm:Khmer|kn:kan:Kannada|ko:kor:Korean|kr:kau:Kanuri|ks:kas:Kashmiri|ku:kur:Kurdish|kv:kom:Komi|" +
  "kw:cor:Cornish|ky:kir:Kirghiz|la:lat:Latin|lb:ltz:Luxembourgish|lg:lug:Ganda|li:lim:Limburgan|ln:lin:Lingala|lo:lao:Lao|" +
  "lt:lit:Lithuanian|lu:lub:Luba-Katanga|lv:lav:Latvian|mg:mlg:Malagasy|mh:mah:Marshallese|mi:mri:Maori|mk:mkd:Macedonian|ml:mal:Malayalam|" +
  "mn:mon:Mongolian|mr:mar:Marathi|ms:msa:Malay|mt:mlt:Maltese|my:mya:Burmese|na:nau:Nauru|nb:nob:Norwegian Bokmål|nd:nde:North Ndebele|" +
  "ne:nep:Nepali|ng:ndo:Ndonga|nl:nld:Dutch|nn:nno:Norwegian Nynorsk|no:nor:Norwegian|nr:nbl:South Ndebele|nv:nav:Navajo|ny:nya:Nyanja|" +
  "oc:oci:Occitan|oj:oji:Ojibwa|om:orm:Oromo|or:ori:Oriya|os:oss:Ossetian|pa:pan:Panjabi|pi:pli:Pali|pl:pol:Polish|" +
  "ps:pus:Pushto|pt:por:Portuguese|qu:que:Quechua|rm:roh:Romansh|rn:run:Rundi|ro:ron:Romanian|ru:rus:Russian|rw:kin:Kinyarwanda|" +
  "sa:san:Sanskrit|sc:srd:Sardinian|sd:snd:Sindhi|se:sme:Northern Sami|sg:sag:Sango|sh:hbs:Serbo-Croatian|si:sin:Sinhala|sk:slk:Slovak|" +
  "sl:slv:Slovenian|sm:smo:Samoan|sn:sna:Shona|so:som:Somali|sq:sqi:Albanian|sr:srp:Serbian|ss:ssw:Swati|st:sot:Southern Sotho|" +
  "su:sun:Sundanese|sv:swe:Swedish|sw:swa:Swahili|ta:tam:Tamil|te:tel:Telugu|tg:tgk:Tajik|th:tha:Thai|ti:tir:Tigrinya|" +
  "tk:tuk:Turkmen|tl:tgl:Tagalog|tn:tsn:Tswana|to:ton:Tonga|tr:tur:Turkish|ts:tso:Tsonga|tt:tat:Tatar|tw:twi:Twi|" +
  "ty:tah:Tahitian|ug:uig:Uighur|uk:ukr:Ukrainian|ur:urd:Urdu|uz:uzb:Uzbek|ve:ven:Venda|vi:vie:Vietnamese|vo:vol:Volapük|" +
  "wa:wln:Walloon|wo:wol:Wolof|xh:xho:Xhosa|yi:yid:Yiddish|yo:yor:Yoruba|za:zha:Zhuang|zh:zho:Chinese|zu:zul:Zulu";

const ISO_639_2B_TABLE =
  "tib:bo cze:cs wel:cy ger:de gre:el baq:eu per:fa fre:fr arm:hy ice:is geo:ka mao:mi mac:mk may:ms bur:my dut:nl rum:ro slo:sk alb:sq chi:zh";

const ISO_639_3_ONLY_CODES: Readonly<Record<string, string>> = {
  a: "aaabacadaeafagahaiakalanaoapaqasatauawaxazbabbbcbdbebfbgbhbibjblbmbnbobpbqbrbsbtbubvbwbxbybzcacbcdcecfchcickclcmcncpcqcrcsctcucvcwcxcyczdadbdddedfdgdhdidjdldndodqdrdsdtdudwdxdydzeaebecedeeekelemeneqereseueweyezfbfdfefgfhfifkfnfofpfsftfufzgagbgcgdgegfggghgigjgkglgmgngogqgrgsgtgugvgwgxgygzhahbhghhhihkhlhmhnhohphrhshtiaibicidieifigihiiijikiliminioipiqiritiwixiyjajgjijnjpjtjujwjzkbkckdkekfkgkhkikjkkklkmkokpkqkrksktkukvkwkxkykzlalcldlelflhliljlklllmlnlolplqlrlsltlulwlxlylzmambmcmemfmgmimjmkmlmmmnmompmqmrmsmtmumvmwmxmymznanbncndnenfngnhninjnknlnmnnnonpnqnrnsntnunvnwnxnynzoaobocodoeofogoiojokolomonorosotouoxozpbpcpdpepfpgphpipjpkplpmpnpopppqprpsptpupvpwpxpypzqcqdqgqmqnqpqrqtqzrbrcrdrerhrirjrkrlrnrorprqrrrsrurvrwrxryrzsasbscsesfsgshsisjskslsnsospsqsrssstsusvswsxsysztatbtctdtetgtitjtktltmtntotptqtrtstttutvtwtxtytzuaubucuduguhuiujukulumunuoupuqurutuuuwuxuyuzvbvdvivkvlvmvnvovsvtvuvvwawbwcwewgwhwiwkwmwnwowrwswtwuwvwwwxwyxbxexgxkxlxmxxyaybycydyeygyhyiykylynyoypyqyrysytyuyzzazbzdzgzjzmznzoztzz",
  b: "aaabacaeafagahajalanaoaparasauavawaxaybabbbcbdbebfbgbhbibjbkblbmbnbobpbqbrbsbtbubvbwbxbycacbcccdcecfcgchcicjckclcmcncocpcqcrcsctcucvcwcyczdadbdcdddedfdgdhdidjdkdldmdndodpdqdrdsdtdudvdwdxdydzeaebecedeeefegeheiejekemeoepeqeseteuevewexeyezfafbfcfdfefffgfhfifjfkflfmfnfofpfqfrfsftfufwfxfyfzgagbgcgdgegfgggigjgkglgngogpgqgrgsgtgugvgwgxgygzhahbhchdhehfhghhhihjhlhmhnhohphqhrhshthuhvhwhxhyhziaibicidieifigijikiliminioipiqiritiuiviwixiyizjajbjcjejfjgjhjijjjkjljmjnjojpjrjsjtjujvjwjxjyjzkakckdkfkgkhkikjkkklkmknkokpkqkrksktkukvkwkxkykzlalblcldlelflglhliljlklllmlnlolplqlrlsltlvlwlxlylzmambmcmdmemfmgmhmimjmkmlmmmnmompmqmrmsmtmumvmwmxmznanbncndnenfngninjnknlnmnnnonpnqnrnsnunvnwnxnynzoaoboeofogohoiojokolomonooopoqorotouovowoxoyozpapdpgphpipjpkplpmpnpopppqprpsptpupvpwpxpypzqaqbqcqdqfqgqhqiqjqkqlqmqnqoqpqqqrqsqtquqvqwqxqyqzrarbrcrdrfrgrhrirjrkrlrmrnrorprqrrrsrtrurvrwrxryrzsasbscsesfsgshsisjskslsmsnsospsqsrssstsusvswsxsytatctdtetftgthtitjtmtntotptqtrtstttutvtwtxtytzuaubucudueufuguhuiujukumunuoupuqusutuuuvuwuxuyuzvavbvcvdvevfvgvhvivjvkvlvmvnvovpvqvrvtvuvvvwvxvyvzwawbwcwdwewfwgwhwiwjwkwlwmwnwowpwqwrwswtwuwwwxwywzxaxbxcxdxexfxgxhxixjxkxlxmxnxoxpxqxrxsxuxvxwxzyaybycydyeyfygyhyiyjykylymynyoypyqyrysytyvywyxyzzazbzczdzezfzgzhzizjzkzlzmznzozpzqzrzsztzuzvzwzxzyzz",
  c: "aaabacadaeafagahajakalamanaoapaqarasavawaxayazbbbcbdbgbibjbkblbnbobqbrbsbtbubvbwbycccdcecgchcjclcmcocpcrdadedfdhdidjdmdndodrdsdydzeaebegekeneteyfafdfgfmgagcgggkhbhchdhfhghhhjhkhlhmhnhohphqhrhthwhxhyhziaibicidieihikiminipiriwiyjajejhjijkjmjnjojpjsjvjykbkhklkmknkokqkrksktkukvkxkykzlalcldlelhliljlklllmloltlulwlymamemgmimlmmmnmomrmsmtnanbncngnhninknlnonpnrnsntnunwnxoaobocodoeofogohojokolomonooopoqotouovowoxozpapbpcpgpipnpopspupxpyqdrarbrcrdrfrgrhrirjrkrlrmrnrorqrrrsrtrvrwrxryrzsasbscsdsesfsgshsisjskslsmsnsospsqsrssstsvswsysztatctdtetgthtltmtntotptstttutzuaubucuguhuiujukuluoupuqurutuuuvuwuxuyvgvnwawbwdwewgwtyaybyozhzkznzozt",
  d: "aaacadaeagahaiajakalamaoaqarasauavawaxazbabbbdbebfbgbibjblbmbnbobpbqbrbtbubvbwbycccrdadddedgdidjdndodrdsdwecedeeefegeheiekelemenepeqeresevezgagbgcgdgeggghgigkglgngogrgsgtgwgxgzhdhghihlhmhnhohrhshuhvhwhxiaibicidifigihiiijikiliminioipiqirisiuiwixiyizjajbjcjdjejfjijjjkjmjnjojrjujwkakkkrkskxlglklmlnmambmcmdmemfmgmkmlmmmomrmsmumvmwmxmynandnengninjnknnnonrntnunvnwnyoaobocoeofohoiokolonooopoqorosotovowoxoyozpprbrcrdrergrirlrnrorqrsrtrurysbseshsislsnsosqtatbtdthtitktmtntotptrtstttutyuaubucueufuguhuiukulumunuoupuqurusuuuvuwuxuyuzvawawkwrwswuwwwywzyaybydygyiymynyoyuyyzazezgzlzn",
  e: "aabcbgbkbobrbucrcscyeefafefigaglgogyhuipitivjakakekgkikkklkmkokpkrkylelhlilklmlolulxmambmemgmimkmmmnmpmsmumwmxmynanbncndnfnhnlnmnnnonqnrnunvnwnxotpirargrhrirkrorrrsrtrwsesgshsiskslsmsnsosqsssusytbtcthtntotrtstttutxtzvevhvnwoxtyayozaze",
  f: "aaabadafagahaiajakalamanaparatauaxayazblcserfifmgriaieifilipiritiwkkkvlalhlilllnlrlympmunbngniodoiomonorospeqsrcrdrkrmrorprqrrrsrtseslssubucudueufuhuiujumunuqurutuuuvuyvrwawe",
  g: "aaabacadaeafagahaiajakalamanaoapaqarasatauawaxayazbabbbdbebfbgbhbibjbkblbmbnbobpbqbrbsbubvbwbxbybzcccdcecfclcncrctdadbdcdddedfdgdhdidjdkdldmdndodqdrdsdtdudxeaebecedefegeheiejekeleqesevewexeyezfkftgagbgdgegggkglgtgugwhahchehhhkhlhnhohrhshtiaibicidieigihiliminipiqirisitiuiwixiyizjijkjmjnjrjukakdkeknkokpkulcldlhljlklllolrlulwlymambmdmgmhmlmmmnmrmumvmxmymznanbncndnengnhninjnknlnmnnnonqnrntnunwnzoaobocodoeofogohoiojokolomonooopoqorosotouowoxoyozpapepnqaqiqnqrqurarbrcrdrgrhrirjrmrorqrrrsrtrurvrwrxryrzsesgslsmsnsospssswtatuuaubucudueufuguhuiukulumunuoupuqurusutuuuwuxuzvavcvevfvjvlvmvnvovpvrvsvywawbwcwdwewfwgwiwjwmwnwrwtwuwwwxxxyaybydyeyfygyiylymynyoyryyzazizn",
  h: "aaabacadaeafagahaiajakalamanaoapaqarasavawaxayazbabbbnbobucachdndsdyeaedegeheiemgmgwhihrhyiaibidifigihiiijikilioiritiwixjikakekkknkslalbldleltlumambmcmdmemfmgmhmimjmkmlmmmnmpmqmrmsmtmumvmwmymznandnengnhninjnnnonsnuoaobocodoeohoiojolomoooporosotovowoyozpopsrarcrerkrmrorprtrurwrxrzsbshslsnsstitotstutxubucudueufuguhuiujukulumuoupuqurusutuuuvuwuxuyuzvcvevkvnvvwawcwoyayw",
  i: "aianarbabbbdbebgbhblbmbnbrbubycachclcrdadbdcdddedidrdsdtdufafbfefffkfmfufygbgeggglgmgngogsgwhbhihphwinjcjejjjnjskekikkklkokpkrksktkvkwkxkzlalblglilklmlolplslulvmamimlmnmomrmsmynbngnhnjnlnmnnnonpnsntnzorouowpipoquqwrerhrirkrnrrrurxrysascsdsesgshsisksmsnsosrstsutbtdtetitktltmtotrtstttvtwtxtytzumvbvvwkwmwowsxcxlyayoyxzhzrzz",
  j: "aaabacadaeafahajakalamanaoaqasatauaxayazbebibjbkbnbobrbtbubwcsctdadgdtebeeeheiekelenereteugbgegkgohihsiaibicidieigihiiilimioiqitiuiviyjejrkakmkokpkrkulelsmambmcmdmimlmnmrmsmwmxnandngninjnlnsobodogorosowpaprqrrarbrrrtrusluaubucuduhuiukulumunuoupurusutuuuwuyvdvnwiyayeyy",
  k: "aaabacadaeafagahaiajakamaoapaqavawaxaybabbbcbdbebgbhbibjbkblbmbnbobpbqbrbsbtbubvbwbxbybzcacbcccdcecfcgchcicjckclcmcncocpcqcrcsctcucvcwcxcyczdadcdddedfdgdhdidjdkdldmdndpdqdrdtdudwdxdydzeaebecedeeefegeheiejekelemeneoepeqereseteuevewexeyezfafbfcfdfefffgfhfifjfkflfmfnfofpfqfrfsftfufvfwfxfyfzgagbgegfgggigjgkglgmgngogpgqgrgsgtgugvgwgxgyhahbhchdhehfhghhhjhkhlhnhohphqhrhshthuhvhwhxhyhziaibicidieifigihiiijilimioipiqisitiuiviwixiyizjajbjcjdjejgjhjijjjkjljmjnjojpjqjrjsjtjujvjxjyjzkakbkckdkekfkgkhkikjkkklkmknkokpkqkrksktkukvkwkxkykzlalblcldlelflglhliljlklllmlnlolplqlrlsltlulvlwlxlylzmambmcmdmemfmgmhmimjmkmlmmmnmompmqmrmsmtmumvmwmxmymznanbncndnenfngninjnknlnmnnnonpnqnrnsntnunvnwnxnynzoaocodoeofogohoiokolooopoqosotouovowoyozpapbpcpdpepfpgphpipjpkplpmpnpopqprpsptpupvpwpxpypzqaqbqcqdqeqfqgqhqiqjqkqlqmqnqoqpqqqrqsqtquqvqwqxqyqzrarbrcrdrerfrhrirjrkrlrnrprrrsrtrurvrwrxryrzsasbscsdsesfsgshsisjskslsmsnsospsqsrssstsusvswsxsysztatbtctdtetftgthtitjtktltmtntotptqtstttutvtwtxtytzubucudueufuguhuiujukulumunuoupuqusutuuuvuwuxuyuzvavbvcvdvevfvgvhvivjvkvlvmvnvovpvqvrvtvuvvvwvxvyvzwawbwcwdwewfwgwhwiwjwkwlwmwnwowpwrwswtwuwvwwwxwywzxaxbxcxdxfxhxixjxkxmxnxoxpxqxrxsxtxvxwxxxyxzyaybycydyeyfygyhyiyjykylymynyoypyqyrysytyuyvywyxyyyzzazbzczdzezfzgzizkzlzmznzozpzqzrzszuzvzwzxzyzz",
  l: "aaabacadaeafagahaiajakalamanapaqarasauawaxayazbbbcbebfbgbibjbkblbmbnbobqbrbsbtbubvbwbxbybzcccdcecfchclcmcpcqcsdadbdddgdhdidjdkdldmdndodpdqeaebecedeeefeheiejekelemeneoepeqereseteuevewexeyezfafngagbggghgigkglgmgngqgrgtgugzhahhhihlhmhnhphshthuiaibicidieifigihijikilioipiqirisiuiviwixiyizjajejijljpjwjxkakbkckdkekhkikjklkmknkokrksktkukylalblcldlelflglhliljlklllmlnlplqlslulxmambmcmdmemfmgmhmimjmkmlmnmompmqmrmumvmwmxmynanbndngnhninjnlnmnnnonsnunwnzoaobocoeofogohoiojokolomonooopoqorosotouovowoxoyozpapepnpopxrarcrergrirkrlrmrnrorrrtrvrzsasdseshsislsmsnsospsrssstsvsytctgthtitntotstuuaucudueufuiujukulumunuoupuqurusutuuuvuwuyuzvavivkvsvuwawewgwhwlwmwowswtwuwwyaygynzhzlznzz",
  m: "aaabadaeafagaiajakamanaqasatauavawaxazbabbbcbdbebfbhbibjbkblbmbnbobpbqbrbsbtbubvbwbxbybzcacbcccdcecfcgchcicjckclcmcncocpcqcrcsctcucvcwcxcyczdadbdcdddedfdgdhdidjdkdldmdndpdqdrdsdtdudvdwdxdydzeaebecedeeefeheiejekelemeneoepeqereseteueveweyezfafbfcfdfefffgfhfifjfkflfmfnfofpfqfrfsftfufvfwfxfyfzgagbgcgdgegfggghgigjgkglgmgngogpgqgrgsgtgugvgwgygzhahbhchdhehfhghihjhkhlhmhnhohphqhrhshthuhwhxhyhziaibicidieifigihiiijikiliminioipiqiritiuiwixiyizjbjcjdjejgjhjijjjkjljmjnjojpjqjrjsjtjujvjwjxjyjzkakbkckekfkgkikjkkklkmknkokpkqkrksktkukvkwkxkykzlalblclelflhliljlklllmlnlolplqlrlslulvlwlxlzmambmcmdmemfmgmhmimjmkmlmmmnmompmqmrmtmumvmwmxmymznanbncndnenfngnhninjnknlnmnnnpnqnrnsnunvnwnxnynzoaocodoeogohoiojokomooopoqorosotouovowoxoyozpapbpcpdpepgphpipjpkplpmpnpopppqprpsptpupvpwpxpypzqaqbqcqeqfqgqhqiqjqkqlqmqnqoqpqqqrqsqtquqvqwqxqyqzrarbrcrdrerfrgrhrjrkrlrmrnrorprqrrrsrtrurvrwrxryrzsbscsdsesfsgshsisjskslsmsnsospsqsrsssusvswsxsysztatbtctdtetftgthtitjtktltmtntotptqtrtstttutvtwtxtyuaubucudueuguhuiujukumuoupuqurusutuuuvuxuyuzvavbvdvevfvgvhvivkvlvmvnvovpvqvrvsvtvuvvvwvxvyvzwawbwcwewfwgwhwiwkwlwmwnwowpwqwrwswtwuwvwwwzxaxbxcxdxexfxgxhxixjxkxlxmxnxoxpxqxrxsxtxuxvxwxxxyxzybycyeyfygyhyjykylymyoypyrysyuyvywyxyyyzzazbzczdzezgzhzizjzkzlzmznzozpzqzrzsztzuzvzwzxzyzz",
  n: "aaabacaeafagajakalamanaoapaqarasatawaxayazbabbbcbdbebgbhbibjbkbmbnbobpbqbrbsbtbubvbwbycacbcccdcecfcgchcicjckclcmcncocqcrcsctcucxczdadbdcdddfdgdhdidjdkdldmdndpdqdrdsdtdudvdwdxdydzeaebecedeeefegeheiejekemeneoeqereseteuevewexeyezfafdflfrfugagbgcgdgeggghgigjgkglgmgngogpgqgrgsgtgugvgwgxgygzhahbhchdhehfhghhhihkhmhnhohphqhrhthuhvhwhxhyhziaibidieifigihiiijikiliminioiqirisitiuiviwixiyizjajbjdjhjijjjljmjnjojrjsjtjujxjyjzkakbkckdkekfkgkhkikjkkkmknkokpkqkrksktkukvkwkxkzlalclelgliljlklllmlolqlulvlwlxlylzmambmcmdmemfmgmhmimjmkmlmmmnmompmqmrmsmtmumvmwmxmymznanbncndnenfngnhninjnknlnmnnnpnqnrntnunvnwnynzoaocodoeofogohoiojokolomonopoqosotouovowoyozpapbpgphpiplpnpopspupxpyqgqkqlqmqnqoqqqyrarbrcrerfrgrirkrlrmrnrprrrtrurxrzsasbscsdsesfsgshsiskslsmsnsospsqsrssstsusvswsxsysztdtetgtitjtktmtotptrtutwtxtytzuaucudueufuguhuiujukulumunuoupuqurusutuuuvuwuxuyuzvhvmvowawbwcwewgwiwmwowrwxwyxaxdxexgxixkxlxmxnxoxqxrxxybycydyeyfygyhyiyjykylymynyoypyqyrysytyuyvywyxyyzazbzdzizkzmzszuzyzz",
  o: "aaacaravbibkblbmbobrbtbucachcocudadkdtdufofsfugbgcgegggoguhthuiainjbjcjgjpjsjvjwkakbkdkekgkhkikjkkklkmknkokrkskukvkxlaldlelklmlolrltlumambmcmgmimkmlmnmompmrmtmumwmxnanbnengninjnknnnonpnrnsntnunwnxodogonorospapkpmpoptpyrarcrergrhrnrorrrsrtrurvrwrxryrzsascsisospstsusxtatbtdtetitktltmtntqtrtstttutwtxtytzuaubueuiumvdwiwlybydymyyzm",
  p: "abacadaeafagahaiakalamaoapaqarasatauavawaxayazbbbcbebfbgbhbiblbmbnbobpbrbsbtbubvbycacbcccdcecfcgchcicjckclcmcncpcwdadcdidndodtdueaebedeeefegeheiejekelemeoepeqesevexeyezfafeflgagdgggigkglgngsgugzhahdhghhhkhlhmhnhohqhrhthuhvhwiaibicidieifigihiiijiliminioipirisitiuiviwixiyizjtkakbkckgkhknkokpkrksktkulalblcldlelglhljlklllnlolqlrlsltlulvlwlylzmambmdmemfmhmimjmkmlmmmnmomqmrmsmtmwmxmymznanbncndnengnhninjnknlnmnnnonpnqnrnsntnunvnwnxnynzocoeofogohoiokomonooopoqosotovowoxoypepipkplpmpnpopppqpsptpuqaqmrcrdrerfrgrhrirkrlrmrnrorprqrrrsrtrurwrxrzsascsdsesgshsislsmsnsospsqsrssstsuswsytathtitntotptqtrtttutvtwtyuaubucudueufuguiujumuoupuqurutuuuwuxuywawbwgwiwmwnwowrwwxmyeymynysyuyxyyzn",
  q: "uaubucudufuguhuiukulumunupuqurusuvuwuxuyuzvavcvevhvivjvlvmvnvovpvsvwvyvzwawcwhwmwswtxaxcxhxlxnxoxpxqxrxsxtxuxwyayp",
  r: "aaabacadafagahaiajakalamanaoapaqarasatauavawaxayazbbbkblbpcfdbeaebeeegeiejelemenereseteygagegkgngrgsguhghpiaifiliminiritiujgjijskakbkhkikmktkwmambmcmdmemfmgmhmimkmlmmmnmompmqmsmtmumvmwmxmymzndngnlnnnpnrnwobocodoeofogolomoooporouowpnptrirortsbslsmtcthtmtstwubucueufuguhuiukuoupuqutuuuyuzwawkwmwowrxdxwynysyuzh",
  s: "aaabacadaeafahajakamaoaqarasatauavawaxayazbabbbcbdbebfbgbhbibjbkblbmbnbobpbqbrbsbtbubvbwbxbybzcbcecfcgchcickclcncocpcqcsctcucvcwcxdadbdcdedfdgdhdjdkdldndodpdqdrdsdtdudxdzeaebecedeeefegeheiejekeleneoepeqereseteueveweyezfbfefmfsfwgagbgcgdgeggghgigjgkgmgpgrgsgtgugwgxgygzhahbhchdhehghhhihjhkhlhmhnhohphqhrhshthuhvhwhxhyhziaibidieifigihiiijikilimipiqirisiuiviwixiyizjajbjdjejgjkjljmjnjojpjrjsjtjujwkakbkckdkekfkgkhkikjkmknkokpkqkrksktkukvkwkxkykzlcldlelflglhliljlllmlnlplqlrlsltlulwlxlylzmambmcmdmfmgmhmjmkmlmmmnmpmqmrmsmtmumvmwmxmymznbncnenfngninjnknlnmnnnonpnqnrnsnunvnwnxnynzoaobocodoeogohoiojokolooopoqorosouovowoxoyozpbpcpdpepgpipkplpmpnpopppqprpsptpupvpxpyqaqhqkqmqnqoqqqrqsqtqurarbrcrerfrgrhrirkrlrmrnrorqrrrsrtrurvrwrxryrzsbscsdsesfsgshsisjskslsmsnsospsqsrssstsusvsxsysztatbtdtetftgthtitjtktltmtntotptqtrtstttutvtwtyuaubucueuguiujukuqurusutuvuwuxuyuzvavbvcvevkvmvsvxwbwcwfwgwhwiwjwkwlwmwnwowpwqwrwswtwuwvwwwxwyxbxcxexgxkxlxmxnxoxrxsxuxwyaybycyiykylymynyoyrysywyxyyzazbzczdzezgzlznzpzszvzwzy",
  t: "aaabacadaeafagajakalanaoapaqarasauavawaxayazbabcbdbebfbgbhbibjbkblbmbnbobpbrbsbtbubvbwbxbybzcacbcccdcecfcgchcickclcmcncocpcqcsctcucwcxcyczdadbdcdddedfdgdhdidjdkdldmdndodqdrdsdtdvdxdyeaebecedeeefegeheiekemeneoepeqereseteuevewexeyezfifnfofrftgagbgcgdgegfghgigjgngogpgqgrgsgtgugvgwgxgygzhdhehfhhhihkhlhmhnhphqhrhshthuhvhyhziaicifigihiiijikiliminioipiqisitiuiviwixiyizjajgjijjjljmjnjojpjsjujwkakbkdkekfkgklkmknkpkqkrksktkukvkwkxkzlalblcldlflglhliljlklllmlnlolplqlrlsltlulvlxlymambmcmdmemfmgmhmimjmkmlmmmnmomqmrmsmtmumvmwmymznanbncndngnhninknlnmnnnonpnqnrnsntnunvnwnxnynzobocodofogohoiojolomooopoqorosouovowoxoyozpapcpepfpgpipjpkplpmpnpopppqprptpupvpwpxpypzqbqlqmqnqoqpqqqrqtquqwrarbrcrdrerfrgrhrirjrlrmrnrorprqrrrsrtrurvrwrxryrzsasbscsdsesgshsisjskslsmspsqsrssstsusvswsxsysztatbtctdtetftgthtitjtktltmtntotptqtrtstttutvtwtytzuaubucudueufuguhuiujulumunuouqusuuuvuxuyuzvavdvevkvlvmvnvovsvtvuvwvxvywawbwcwdwewfwgwhwlwmwnwowpwqwrwtwuwwwxwyxaxbxcxexgxhxixjxmxnxoxqxrxsxtxuxxxyyayeyhyiyjylynypyrysytyuyvyxyzzazhzjzlzmznzozx",
  u: "amanarbabiblbrbubydadedgdidjdldmduesfigagbgegngogyhahnisivjikakgkhkikkklkpkqkskukvkwkylalblclelflilklllmlnlulwmambmcmdmgmimmmnmompmrmsmunanengnknmnnnrnunxnzpipvrarbrcrerfrgrhrirkrlrmrnrorprrrtrurvrwrxryrzsashsiskspsssutatethtptrtuumunuruuvevhvlwayaznzs",
  v: "aaaeafagahaiajalamanaoaparasauavaybbbkecedelemeoepergrgticidifigilinisitivkakikjkkklkmkokpktkulplsmambmcmdmemfmgmhmimjmkmlmmmpmqmrmsmumvmwmxmymznknmnporotrarorsrtsislsvtoumunutwa",
  w: "aaabacadaeafagahaiajalamanaoapaqarasatauavawaxayazbabbbebfbhbibjbkblbmbpbqbrbsbtbvbwcacidddgdjdkdudyeaecedegeheiemeoepereseteuewfggagbgggigogugyhahghkhuibicieifigihiiijikiliminiriuiviyjajikakbkdklkrkukwkylalclelglhlilklllmlolrlslulvlwlxlymambmcmdmemhmimmmnmomsmtmwmxnbncndnengninknmnnnonpnunwnyoaobocodoeofogoiokomonooorosowoypcrarbrdrgrhrirkrlrmrnrorprrrsrurvrwrxryrzsasgsisksrsssusvtfthtitktmtwuaubuduhulumunurutuuuvuxuywawbwowrwwxaxwyaybyiymyryy",
  x: "aaabacadaeagaiajakalamanaoapaqarasatauavawaybbbcbdbebgbibjbmbnbobpbrbwbycbcccecgchclcmcncocrctcucvcwcydadcdkdmdodyebedegelemepereseteufagagbgdgfgggiglgmgrgugwhahchdhehrhthuhvibiiilinirisiviyjbjtkakbkckdkekfkgkikjkkklknkokpkqkrksktkukvkwkxkykzlalblcldlelglilnlolplslulymambmcmdmemfmgmhmjmkmlmmmnmompmqmrmsmtmumvmwmxmymznanbngnhninknmnnnonrnsntnunynzocodogoiokomonoooporowpapbpcpdpepfpgphpipjpkplpmpnpopppqprpsptpupvpwpxpypzqaqtrarbrdrergrirmrnrrrtrurwsasbscsdseshsisjslsmsnsospsqsrsssusvsytatbtctdtetgthtitjtltmtntotptqtrtstttutvtwtyuaubudugujulumunuoupurutuuvevivnvovswawcwdwewgwjwkwlwowrwtwwxbxkxmxrxtyaybyjykylytyyzhzmzp",
  y: "aaabacadaeafagahaiajakalamanaoapaqarasatauavawaxayazbabbbebhbibjbkblbmbnbobxbychclcncpdadddedgdkeaeceeeiejelereseteueveygagiglgmgpgrgsgugwhahdhlhsiaifigihiiijikiliminipiqirisitiuivixizkakgkikkklkmknkokrktkukylalblelglilllmlnlolrlulymbmcmdmemgmhmimkmlmmmnmompmqmrmsmxmznandnengnknlnnnonqnsnuobogoiokolomonotoxoypapbpgphpmpnpopppzrarbrerkrlrmrnrorsrwryscsdsgslsnsospsrsssytatltptwtyuaubucudueufuguiujukulumunupuqurutuwuxuyuzvavtwawgwlwnwqwrwtwuwwxaxgxlxmxuxyyryuyzzgzk",
  z: "aaabacadaeafagahaiajakalamaoapaqarasatauavawaxayazbabcbeblbtbwcachdjeaegehengagbghgmgngrhbhdhihnhwiaibikiliminiwizkakbkdkgkhkkknkokpkrktkukvkzljlmlnlqmambmcmdmemfmgmhmimjmkmlmmmnmompmqmrmsmtmumvmwmxmymznanengnknsocohomoooqorospapbpcpdpepfpgphpipjpkplpmpnpopppqprpsptpupvpwpxpypzqerargrnrorprssaskslsmsrsutetgtltmtntptqtstttutxtyuauhumunuywaybygyjynypzazj",
};

const ISO_639_3_NAMES_TABLE =
  "yue:Yue Chinese|fil:Filipino|ceb:Cebuano|ast:Asturian|nds:Low German|gsw:Swiss German|arz:Egyptian Arabic|ary:Moroccan Arabic|mai:Maithili|bho:Bhojpuri|war:Waray|ilo:Iloko|hsb:Upper Sorbian|dsb:Lower Sorbian|sah:Yakut|haw:Hawaiian|kab:Kabyle|tzm:Central Atlas Tamazight|ckb:Central Kurdish|kmr:Northern Kurdish|sco:Scots|lmo:Lombard|vec:Venetian|scn:Sicilian|pms:Piemontese|bar:Bavarian";

// --- end of generated tables -------------------------------------------------------------

/**
 * Individual languages that are the standard member of a macrolanguage with a two-letter
 * code, after CLDR's language aliases (`cmn` is what everyone means by `zh`). Without this,
 * an MTEB model tagged `cmn-Hans` would not be found by a search for Chinese. Cantonese
 * (`yue`) and other distinct varieties keep their own codes.
 */
const MACROLANGUAGE_DEFAULTS: Readonly<Record<string, string>> = {
  cmn: "zh",
  arb: "ar",
  pes: "fa",
  zsm: "ms",
  swh: "sw",
  ekk: "et",
  lvs: "lv",
  npi: "ne",
  ory: "or",
  plt: "mg",
  uzn: "uz",
  khk: "mn",
  azj: "az",
  ydd: "yi",
  gug: "gn",
  als: "sq",
};

/** Two-letter codes withdrawn from ISO 639-1 that older model cards still use. */
const DEPRECATED_TWO_LETTER: Readonly<Record<string, string>> = {
  iw: "he",
  in: "id",
  ji: "yi",
  jw: "jv",
  mo: "ro",
};

/** Codes outside ISO 639 that model metadata uses (MTEB: `zhs`/`zht` for zh-Hans/zh-Hant). */
const NONSTANDARD_CODES: Readonly<Record<string, string>> = {
  zhs: "zh",
  zht: "zh",
};

/** Names people type that differ from the ISO reference name. */
const NAME_ALIASES: Readonly<Record<string, string>> = {
  mandarin: "zh",
  "simplified chinese": "zh",
  "traditional chinese": "zh",
  cantonese: "yue",
  farsi: "fa",
  greek: "el",
  kyrgyz: "ky",
  uyghur: "ug",
  punjabi: "pa",
  pashto: "ps",
  sinhalese: "si",
  "haitian creole": "ht",
  maldivian: "dv",
  odia: "or",
  flemish: "nl",
  castilian: "es",
  gaelic: "gd",
  moldovan: "ro",
  valencian: "ca",
  bokmal: "nb",
  nynorsk: "nn",
  slovene: "sl",
};

/**
 * Languages' names for themselves (endonyms), as a client may send them in
 * `x-modelscout-language` or a task spec may write `input_constraints.language`, with the
 * accent-free spellings typed on keyboards without them. Lower case, as they are looked up.
 */
const NATIVE_NAMES: Readonly<Record<string, string>> = {
  中文: "zh",
  汉语: "zh",
  漢語: "zh",
  华语: "zh",
  華語: "zh",
  普通话: "zh",
  普通話: "zh",
  国语: "zh",
  國語: "zh",
  简体中文: "zh",
  繁體中文: "zh",
  繁体中文: "zh",
  粤语: "yue",
  粵語: "yue",
  广东话: "yue",
  廣東話: "yue",
  日本語: "ja",
  にほんご: "ja",
  한국어: "ko",
  조선말: "ko",
  deutsch: "de",
  français: "fr",
  francais: "fr",
  español: "es",
  espanol: "es",
  castellano: "es",
  português: "pt",
  portugues: "pt",
  italiano: "it",
  nederlands: "nl",
  русский: "ru",
  українська: "uk",
  polski: "pl",
  čeština: "cs",
  cestina: "cs",
  magyar: "hu",
  română: "ro",
  romana: "ro",
  ελληνικά: "el",
  türkçe: "tr",
  turkce: "tr",
  svenska: "sv",
  norsk: "no",
  dansk: "da",
  suomi: "fi",
  العربية: "ar",
  فارسی: "fa",
  עברית: "he",
  اردو: "ur",
  हिन्दी: "hi",
  हिंदी: "hi",
  বাংলা: "bn",
  தமிழ்: "ta",
  తెలుగు: "te",
  मराठी: "mr",
  "tiếng việt": "vi",
  "tieng viet": "vi",
  ไทย: "th",
  ภาษาไทย: "th",
  "bahasa indonesia": "id",
  "bahasa melayu": "ms",
  kiswahili: "sw",
};

interface LanguageTables {
  twoLetter: Map<string, { threeLetter: string; name: string }>;
  threeToTwo: Map<string, string>;
  names: Map<string, string>;
  nameByCode: Map<string, string>;
}

let tables: LanguageTables | null = null;

/** Parsed once, on first use: most commands never touch language codes. */
function languageTables(): LanguageTables {
  if (tables !== null) return tables;
  const twoLetter = new Map<string, { threeLetter: string; name: string }>();
  const threeToTwo = new Map<string, string>();
  const names = new Map<string, string>();
  const nameByCode = new Map<string, string>();
  for (const entry of ISO_639_1_TABLE.split("|")) {
    const [two = "", three = "", name = ""] = entry.split(":");
    twoLetter.set(two, { threeLetter: three, name });
    threeToTwo.set(three, two);
    names.set(name.toLowerCase(), two);
    nameByCode.set(two, name);
  }
  for (const pair of ISO_639_2B_TABLE.split(" ")) {
    const [bibliographic = "", two = ""] = pair.split(":");
    threeToTwo.set(bibliographic, two);
  }
  for (const [three, two] of Object.entries(MACROLANGUAGE_DEFAULTS)) threeToTwo.set(three, two);
  for (const entry of ISO_639_3_NAMES_TABLE.split("|")) {
    const [code = "", name = ""] = entry.split(":");
    names.set(name.toLowerCase(), code);
    nameByCode.set(code, name);
  }
  for (const [alias, code] of Object.entries(NAME_ALIASES)) names.set(alias, code);
  for (const [native, code] of Object.entries(NATIVE_NAMES)) names.set(native, code);
  tables = { twoLetter, threeToTwo, names, nameByCode };
  return tables;
}

function isIso6393OnlyCode(code: string): boolean {
  const rest = ISO_639_3_ONLY_CODES[code.charAt(0)];
  if (rest === undefined) return false;
  const tail = code.slice(1);
  for (let index = 0; index < rest.length; index += 2) {
    if (rest.slice(index, index + 2) === tail) return true;
  }
  return false;
}

/** A BCP 47-ish tag after the primary subtag: script (`Latn`), region (`CN`, `419`), variant. */
const SUBTAG = /^[a-z0-9]{1,8}$/;

/**
 * The catalog's code for a language given as an ISO 639-1/639-2/639-3 code, a BCP 47 tag
 * (`zh-CN`, `eng-Latn`, `eng_Latn`), an English name (`Chinese`) or the language's own name
 * (`中文`, `Deutsch`, `Français`, `NATIVE_NAMES`); null when it is none of
 * these (so callers can say "unknown language" instead of searching for nothing).
 */
export function normaliseLanguage(code: string): string | null {
  // NFC: an accented name may come decomposed (`e` and a combining accent) from some input methods.
  const input = code.trim().normalize("NFC").toLowerCase();
  if (input.length === 0) return null;
  const { twoLetter, threeToTwo, names } = languageTables();
  const byName = names.get(input.replace(/\s*\(.*?\)\s*/g, " ").trim());
  if (byName !== undefined) return byName;
  const [primary = "", ...subtags] = input.split(/[-_]/);
  if (!subtags.every((subtag) => SUBTAG.test(subtag))) return null;
  if (primary.length === 2) {
    if (twoLetter.has(primary)) return primary;
    return DEPRECATED_TWO_LETTER[primary] ?? null;
  }
  if (primary.length === 3 && /^[a-z]{3}$/.test(primary)) {
    const two = threeToTwo.get(primary) ?? NONSTANDARD_CODES[primary];
    if (two !== undefined) return two;
    return isIso6393OnlyCode(primary) ? primary : null;
  }
  return null;
}

/** English name of a catalog language code (`zh` -> `Chinese`); null when not known. */
export function languageName(code: string): string | null {
  const normalised = normaliseLanguage(code);
  if (normalised === null) return null;
  return languageTables().nameByCode.get(normalised) ?? null;
}
