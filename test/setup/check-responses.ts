/**
 * Every test checks every API answer it receives against the OpenAPI document
 * (api/response-contract.ts): an answer the document does not describe is a 500
 * `response_contract`, so the document cannot lie and a test still pass.
 * Child processes the tests start (the API of `npm start`) inherit it.
 */
process.env.COORD_CHECK_RESPONSES = '1';
